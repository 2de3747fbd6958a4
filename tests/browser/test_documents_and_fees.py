"""Issues 14 and 15 in a real browser: the cell secretary keeps the fees register month
by month (a payment recorded through the page shows as ticked months), and downloads the
minutes of a held meeting as a PDF from its page — on a desktop and on a phone."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from playwright.async_api import expect
from pypdf import PdfReader

from domain import commands as c
from tests.browser.conftest import PHONE, NewPage, Shot, Site
from tests.factories import cmd, hold
from web.catalogue import t

pytestmark = pytest.mark.browser
VIEWPORTS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


@pytest.mark.parametrize("phone", VIEWPORTS)
async def test_the_secretary_records_fees_in_the_register(
    site: Site, page_as: NewPage, shot: Shot, phone: bool
) -> None:
    site.services.app.handle(
        cmd(
            c.PayFees,
            date(2026, 1, 10),
            organisation="tb",
            member="m11",
            months=["2026-01", "2026-02", "2026-03"],
        )
    )
    site.caught_up()
    page = await page_as("m10", phone)
    await page.goto(f"{site.url}/cells/c1/fees/2026")
    await expect(page.get_by_role("heading", level=1)).to_have_text(t("fees.title", year=2026))
    await page.select_option("#f-member", "m12")
    for month in ("2026-01", "2026-02"):
        await page.check(f"input[name=months][value='{month}']")
    await page.fill("#f-date", "2026-02-05")
    await page.get_by_role("button", name=t("fees.save")).click()
    row = page.get_by_role("row", name="m12")
    await expect(row.get_by_text(t("fees.paid_on", day="05/02/2026"))).to_have_count(2)
    m11 = page.get_by_role("row", name="m11")
    await expect(m11.get_by_text(t("fees.paid_on", day="10/01/2026"))).to_have_count(3)
    if phone:
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1 or await page.locator(".table-wrap").count()
    await shot(page, "fees-phone" if phone else "fees")


async def test_the_minutes_download_from_the_meeting_page(site: Site, page_as: NewPage) -> None:
    hold(site.services.app, "c1-2026-01", on=date(2026, 1, 5))
    site.caught_up()
    page = await page_as("m10")
    await page.goto(f"{site.url}/meetings/c1-2026-01")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=t("document.minutes_pdf")).click()
    download = await waiting.value
    content = Path(await download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(PdfReader(BytesIO(content)).pages[0].extract_text().split())
    assert "BIÊN BẢN" in text and "Chủ trì: Đảng viên m10" in text  # the seeded names
