"""The front door in a real browser: logging in with the keyboard alone, a wrong
password answered in Vietnamese with the username kept, logging out — on a desktop and
on a 360-px phone, where the page must not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PASSWORD, PHONE, NewPage, Shot, Site, type_login
from web.catalogue import t

pytestmark = pytest.mark.browser

VIEWPORTS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


async def _focused_id(page: Page) -> str:
    found: str = await page.evaluate("document.activeElement && document.activeElement.id")
    return found or ""


async def _tab_to(page: Page, element_id: str, limit: int = 20) -> None:
    """Presses Tab until the element has the focus (a bounded number of times)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await _focused_id(page) == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


@pytest.mark.parametrize("phone", VIEWPORTS)
async def test_logging_in_with_the_keyboard_alone(
    site: Site, fresh_page: NewPage, shot: Shot, phone: bool
) -> None:
    username = site.account("m10")
    page = await fresh_page(phone)
    await expect(page).to_have_title(f"{t('login.title')} · {t('app.name')}")
    assert await page.get_attribute("html", "lang") == "vi"
    if phone:
        await _no_sideways_scroll(page)
    await shot(page, "login-phone" if phone else "login")

    await _tab_to(page, "f-username")
    await page.keyboard.type(username)
    await _tab_to(page, "f-password", limit=3)
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")

    await expect(page).to_have_url(f"{site.url}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        t("home.greeting", name="Đảng viên m10")
    )
    await expect(page.locator("form.logout")).to_contain_text("m10")
    if phone:
        await _no_sideways_scroll(page)
    else:
        await shot(page, "home")


@pytest.mark.parametrize("phone", VIEWPORTS)
async def test_a_wrong_password_is_refused_in_vietnamese_keeping_the_username(
    site: Site, fresh_page: NewPage, phone: bool
) -> None:
    username = site.account("m11")
    page = await fresh_page(phone)
    await type_login(page, username, "không-phải-mật-khẩu")

    await expect(page.get_by_role("alert")).to_have_text(t("login.bad"))
    await expect(page.get_by_label(t("login.username"))).to_have_value(username)
    await expect(page.get_by_label(t("login.password"), exact=True)).to_have_value("")
    await expect(page.locator("form.logout")).to_have_count(0)
    if phone:
        await _no_sideways_scroll(page)

    # The form still works: the right password now gets in.
    await type_login(page, username)
    await expect(page).to_have_url(f"{site.url}/")
    await expect(page.locator("form.logout")).to_be_visible()


@pytest.mark.parametrize("phone", VIEWPORTS)
async def test_logging_out_ends_the_session(site: Site, page_as: NewPage, phone: bool) -> None:
    page = await page_as("m12", phone)
    await page.get_by_role("button", name=t("session.logout")).click()

    await expect(page).to_have_url(f"{site.url}/login?notice=logged_out")
    await expect(page.get_by_role("status")).to_have_text(t("notice.logged_out"))
    await expect(page.locator("form.logout")).to_have_count(0)
    # The session is over: the home page leads to the login form again.
    await page.goto(f"{site.url}/")
    await expect(page).to_have_url(f"{site.url}/login?next=%2F")
    await expect(page.get_by_role("heading", level=1)).to_have_text(t("login.title"))
