"""The whole site served for real over TCP, and Chromium driving it.

- `site`: the seeded ward (tests/factories.py), an account (password PASSWORD) for each
  member a test uses, made on first use (`site.account(member)`, which `page_as` calls),
  and `web.site.create_site` served by uvicorn on a free port of
  127.0.0.1 in a background thread, and the projector running on another thread (as in
  production: the read models catch up on their own, no inline projection).
- `workflows`: request it beside `site` for the month walkthrough — the dispatcher and a
  real worker on the Temporal dev server (`temporal_dev`), as in tests/test_api_month.py.
- `browser`: one Chromium for the session (`/usr/bin/chromium`).
- `page_as(member, phone=False)`: a fresh browser context logged in through the login
  form by typing, like a person; desktop 1280×800, or a 360×740 phone; locale vi-VN.
- `fresh_page(phone=False)`: the same, not logged in, on the login form.
- `shot(page, name)`: a full-page PNG <name>.png, in docs/screenshots/ when
  CHIBO_UPDATE_SCREENSHOTS=1 (`make screenshots`), else in the test run's own folder.

Tests here carry the `browser` marker; without Chromium they are skipped, except in CI
(`CI` set), where `.ci/run` installs it and its absence is a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.deps import Services
from domain.access import Caller
from projections.projector import Projector
from projections.registry import all_projections
from tests.conftest import _binary
from tests.factories import seed_ward
from web.catalogue import t
from web.site import create_site
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.dispatcher import Dispatcher

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "mật-khẩu-trình-duyệt-42"
ORG = "tb"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=360, height=740)
STARTUP = 20.0
"""Seconds the server and the read models get to come up."""


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") and not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it in CI)")


def _wait(ready: Callable[[], bool], what: str, alive: Callable[[], bool]) -> None:
    """Polls `ready` (bounded): the condition itself orders things, not a fixed sleep."""
    deadline = time.monotonic() + STARTUP
    while not ready():
        if not alive():
            raise RuntimeError(f"{what}: the thread ended before it was ready")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready within {STARTUP} s")
        time.sleep(0.01)


class Server(uvicorn.Server):
    """uvicorn in a background thread of this process, on a socket bound beforehand
    (port 0: the kernel picks a free one, nobody can take it in between)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        self.thread = threading.Thread(
            target=self.run, kwargs={"sockets": [self.socket]}, name="site", daemon=True
        )

    @contextmanager
    def serving(self) -> Iterator[str]:
        self.thread.start()
        try:
            _wait(lambda: self.started, "the site", self.thread.is_alive)
            yield f"http://127.0.0.1:{self.port}"
        finally:
            self.should_exit = True
            self.thread.join(timeout=30)
            self.socket.close()


@dataclass
class Site:
    """The site being served: its address and what is behind it."""

    url: str
    services: Services
    settings: Settings
    accounts: set[str] = field(default_factory=set)

    def account(self, member: str, password: str = PASSWORD) -> str:
        """Makes sure `member` (of `tb` unless written `member@org`) has an account;
        returns the username to log in with."""
        username = member if "@" in member else f"{member}@{ORG}"
        if username not in self.accounts:
            name, _, org = username.partition("@")
            self.services.accounts().add(Caller(org, name), password)
            self.accounts.add(username)
        return username

    def caught_up(self, timeout: float = STARTUP) -> None:
        """Blocks until the read models (kept by the projector thread) show everything
        stored so far."""
        head = self.services.app.recorder.max_notification_id() or 0
        Projector(self.services.app, self.services.store(), all_projections()).wait_for(
            head, timeout
        )


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """Ward `tb` served over TCP with the projector running; accounts (PASSWORD) are made
    for the members a test logs in as (`Site.account`, called by `page_as`)."""
    app = make_app(settings)
    seed_ward(app)
    services = Services(
        app=app,
        open_store=lambda: make_read_store(settings),
        read_your_writes=STARTUP,
        audit_key_path=settings.audit_key_path,
    )
    projector_store = make_read_store(settings)
    projector = Projector(app, projector_store, all_projections())
    config = uvicorn.Config(
        create_site(services),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = Server(config)
    try:
        with projector.running(poll_interval=0.02), server.serving() as url:
            served = Site(url=url, services=services, settings=settings)
            served.caught_up()
            yield served
    finally:
        projector_store.close()
        services.close()


@asynccontextmanager
async def behind(site: Site, env: WorkflowEnvironment) -> AsyncIterator[Site]:
    """The dispatcher and a real worker behind the site, on `env`'s Temporal server."""
    settings = site.settings
    app = site.services.app
    dispatcher_store = make_read_store(settings)
    dispatcher = Dispatcher(app, dispatcher_store, env.client, settings.task_queue)
    activities = ChiboActivities(app, lambda: make_read_store(settings))
    stop = threading.Event()
    try:
        async with build_worker(env.client, settings.task_queue, activities):
            dispatching = asyncio.create_task(dispatcher.run_forever(stop, asyncio.sleep))
            try:
                yield site
            finally:
                stop.set()
                # Bounded: a dispatcher that does not stop fails here, by name, instead
                # of holding the whole run.
                await asyncio.wait_for(dispatching, STARTUP)
    finally:
        activities.close()
        dispatcher_store.close()


@pytest.fixture
async def workflows(site: Site, temporal_dev: WorkflowEnvironment) -> AsyncIterator[Site]:
    """The site with the dispatcher and a real worker behind it (mark the test
    `temporal`): commands start and signal workflows on the Temporal dev server, whose
    activities record reminders and escalations."""
    async with behind(site, temporal_dev) as served:
        yield served


@pytest.fixture
async def own_workflows(site: Site) -> AsyncIterator[Site]:
    """As `workflows`, on a Temporal dev server of its own: the organisation's calendar
    workflow (`calendar-tb`, one id per organisation) must start here, not be found
    already running on the shared server for another test's ward."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        async with behind(site, env) as served:
            yield served
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run should have installed it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        try:
            yield launched
        finally:
            await launched.close()


NewPage = Callable[..., Awaitable[Page]]


async def _context(browser: Browser, phone: bool) -> BrowserContext:
    if phone:
        return await browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="vi-VN"
        )
    return await browser.new_context(viewport=DESKTOP, locale="vi-VN")


async def type_login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fills the login form on `page` as a person would (click, type) and sends it."""
    await page.get_by_label(t("login.username")).click()
    await page.get_by_label(t("login.username")).fill("")
    await page.get_by_label(t("login.username")).press_sequentially(username)
    await page.get_by_label(t("login.password"), exact=True).click()
    await page.get_by_label(t("login.password"), exact=True).press_sequentially(password)
    await page.get_by_role("button", name=t("login.submit")).click()


@pytest.fixture
async def fresh_page(browser: Browser, site: Site) -> AsyncIterator[NewPage]:
    """`await fresh_page(phone=False)`: a page in a new context, not logged in, on the
    login form."""
    contexts: list[BrowserContext] = []

    async def open_page(phone: bool = False) -> Page:
        context = await _context(browser, phone)
        contexts.append(context)
        page = await context.new_page()
        await page.goto(f"{site.url}/login")
        return page

    yield open_page
    for context in contexts:
        await context.close()


@pytest.fixture
async def page_as(fresh_page: NewPage, site: Site) -> NewPage:
    """`await page_as("m10", phone=False)`: a page in a new context, logged in as the
    member (`tb` unless written `member@org`) through the login form, on the home page."""

    async def open_as(member: str, phone: bool = False) -> Page:
        username = site.account(member)
        page = await fresh_page(phone)
        await type_login(page, username)
        await expect(page.locator("form.logout")).to_be_visible()
        return page

    return open_as


Shot = Callable[[Page, str], Awaitable[Path]]


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `shot` writes: docs/screenshots/ when CHIBO_UPDATE_SCREENSHOTS=1 (`make
    screenshots`), else a folder of the test run's own, so a test run leaves the
    checkout as it found it."""
    if os.environ.get("CHIBO_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shot(screenshots: Path) -> Shot:
    """`await shot(page, "name")`: the whole page as name.png in `screenshots`."""

    async def take(page: Page, name: str) -> Path:
        path = screenshots / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take
