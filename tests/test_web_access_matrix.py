"""The pages keep API.md's access table: the callers and records of
tests/test_api_access_matrix.py (its `matrix` fixture: a meeting `mt-jan` of c1 with
resolution `nq1`, escalations about c1 to m03), seen through the site's pages, on both
backends.

(a) Every page of c1's records, asked directly by every caller: those who may not read
c1 (that test's NOT_READERS) get the HTML "not found" page, as if c1 did not exist;
readers never do. A page not built yet (404 even for c1's own secretary) is left out
and named (a PageMissingWarning; a skip while none exists), so the test tightens by
itself as pages land.

(b) A crawl from `/` along every same-site link, as each caller: no page a NOT_READER
reaches shows c1's records, its resolutions' content or the names of its members.
"""

from __future__ import annotations

import html
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from urllib.parse import urldefrag

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from domain.application import ChiboApplication
from tests import test_api_access_matrix as api_matrix
from tests.test_api_access_matrix import C1_READERS, CALLERS, NOT_READERS, PASSWORD
from tests.web_support import log_in, site
from workers.settings import Settings
from workers.wiring import make_read_store

matrix = api_matrix.matrix
"""The API test's seeding, reused as it is (a fixture: requested by name below)."""

ESCALATION = "meeting_missed/cell=c1/2024-01/1"
"""One of the fixture's escalations about c1, to m03."""

PAGES = (
    "/cells/c1",
    "/cells/c1/meetings",
    "/meetings/mt-jan",
    "/cells/c1/resolutions",
    "/resolutions/nq1",
    "/cells/c1/year/2026",
    "/cells/c1/fees/2026",
    "/audit/records/nq1",
    "/audit/records/mt-jan",
    "/audit/cells/c1?on=2026-02-01",
    f"/escalations/{ESCALATION}",
)
"""Every page showing one of c1's records, by its direct address."""

C1_MARKERS = (
    # record ids
    "mt-jan",
    "nq1",
    "nq-ext-",
    "nq-can-",
    "mm-0",
    "cell=c1",
    # links into c1
    'href="/cells/c1"',
    'href="/cells/c1/',
    # resolutions' content
    "Vệ sinh ngõ xóm",
    "Sửa đường ngõ",
    # the cell's name and the names of its own members (m10–m14, none elsewhere)
    "Chi bộ Tổ dân phố số 1",
    "Đảng viên m10",
    "Đảng viên m11",
    "Đảng viên m12",
    "Đảng viên m13",
    "Đảng viên m14",
)
"""What only a reader of c1 may see, picked by hand from the fixture."""

CRAWL_LIMIT = 200
HREF = re.compile(r'href="([^"]*)"')
NOT_CRAWLED = ("/api", "/static", "/logout")

Pages = Callable[[str], TestClient]


class PageMissingWarning(UserWarning):
    """A page of c1's records is not built yet, so its access was not checked."""


@pytest.fixture
def pages(
    matrix: tuple[ChiboApplication, api_matrix.Client], settings: Settings
) -> Iterator[Pages]:
    """A logged-in browser-like client of the site per caller, over the matrix's store."""
    app, _ = matrix
    services = Services(
        app=app,
        open_store=lambda: make_read_store(settings),
        project_inline=True,
        audit_key_path=settings.data_dir / "audit" / "ed25519.pem",
    )
    clients: dict[str, TestClient] = {}

    def client(caller: str) -> TestClient:
        if caller not in clients:
            http = site(services)
            member, _, org = caller.partition("@")
            log_in(http, member, PASSWORD, org or "tb")
            clients[caller] = http
        return clients[caller]

    try:
        yield client
    finally:
        for http in clients.values():
            http.close()
        for opened in services._stores:
            opened.close()


def test_pages_of_a_cells_records(pages: Pages) -> None:
    # One test for every page (the seeding costs more than the requests): a page not
    # built yet is skipped by name, and the rest is checked.
    missing = [path for path in PAGES if pages("m10").get(path).status_code == 404]
    if len(missing) == len(PAGES):
        pytest.skip(f"no page of c1's records yet (404 for c1's own secretary): {missing}")
    if missing:
        warnings.warn(f"not checked, no page yet: {missing}", PageMissingWarning, stacklevel=1)
    for path in PAGES:
        if path in missing:
            continue
        answers = {caller: pages(caller).get(path) for caller in CALLERS}
        for caller in NOT_READERS:
            answer = answers[caller]
            assert answer.status_code == 404, (caller, path, answer.status_code)
            assert answer.headers["content-type"].startswith("text/html"), (caller, path)
            _assert_shows_nothing_of_c1(answer.text, caller, path)
        for caller in C1_READERS:
            answer = answers[caller]
            assert answer.status_code != 404, (caller, path, answer.text[:500])


def _links(page: str) -> Iterator[str]:
    for found in HREF.findall(page):
        target, _ = urldefrag(html.unescape(found))
        if target.startswith("/") and not target.startswith(("//", *NOT_CRAWLED)):
            yield target


def crawl(http: TestClient, start: str = "/", limit: int = CRAWL_LIMIT) -> dict[str, str]:
    """Every page reachable from `start` by same-site links (redirects followed), at most
    `limit` of them: {path: html} of the pages that answered 200."""
    seen, queue, shown = {start}, deque([start]), {}
    while queue and len(seen) <= limit:
        path = queue.popleft()
        answer = http.get(path)
        if answer.is_redirect:
            found = [answer.headers["location"]]
        elif answer.status_code == 200 and answer.headers["content-type"].startswith("text/html"):
            shown[path] = answer.text
            found = list(_links(answer.text))
        else:
            continue  # 403, 404: refused, which is fine
        for target in found:
            if target not in seen and target.startswith("/") and len(seen) < limit:
                seen.add(target)
                queue.append(target)
    return shown


def _assert_shows_nothing_of_c1(page: str, caller: str, path: str) -> None:
    leaked = [marker for marker in C1_MARKERS if marker in page]
    assert not leaked, f"{caller} sees {leaked} of c1 on {path}"


def test_no_page_a_caller_reaches_shows_what_they_may_not_read(pages: Pages) -> None:
    for caller in CALLERS:
        shown = crawl(pages(caller))
        assert "/" in shown, caller
        if caller in NOT_READERS:
            for path, page in shown.items():
                _assert_shows_nothing_of_c1(page, caller, path)
    # The markers and the crawl do find c1 where it may be seen (c1's secretary's home
    # page links to the cell), so their silence above means something.
    assert any('href="/cells/c1"' in page for page in crawl(pages("m10")).values())
