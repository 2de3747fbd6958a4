"""A cell's month through the pages only, in a real browser, with the real workflows.

The secretary of c1 logs in, announces this month's meeting, then records it held with
a resolution (a first try without its deadline is refused, naming R20, and keeps what
was typed); the executor, on a phone, reports its completion from "Việc của tôi"; the
organisation's calendar workflow raises the escalation for cell c2's missed meeting
(R1) to the member in charge of c2, who acknowledges and resolves it from the inbox;
the auditor sees every step in the resolution's timeline and the cell as it stood
before the meeting. Screenshots of each main page go to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from playwright.async_api import Page, expect

from domain import commands as c
from tests.browser.conftest import NewPage, Shot, Site
from tests.factories import cmd
from web.catalogue import t

pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]

WAIT = 90.0


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


async def _until_link(page: Page, selector: str) -> None:
    """Reloads `page` until a link matching `selector` shows (the workflows run on)."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while not await page.locator(selector).count():
        assert asyncio.get_running_loop().time() < deadline, f"no {selector} in time"
        await asyncio.sleep(0.5)
        await page.reload()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_a_cells_month_through_the_pages(
    own_workflows: Site, page_as: NewPage, shot: Shot, phone: bool
) -> None:
    """Everyone on a desktop, then everyone on a 360-px phone (the member always is)."""
    site = own_workflows

    async def look(page: Page, name: str) -> None:
        """A screenshot of the page; on a phone, the page fits the screen's width."""
        if phone:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (name, width)
        await shot(page, f"{name}-phone" if phone else name)

    site.services.app.handle(
        cmd(c.GrantAuditor, date(2026, 1, 2), "m01", organisation="tb", member="m30")
    )
    today = date.today()
    suffix = uuid.uuid4().hex[:6]
    meeting, resolution = f"c1-{suffix}", f"nq-{suffix}"
    deadline = today + timedelta(days=30)

    # --- the secretary announces the meeting, then records it -------------------------
    secretary = await page_as("m10", phone=phone)
    await secretary.goto(f"{site.url}/cells/c1")
    await look(secretary, "cell")
    await secretary.goto(f"{site.url}/cells/c1/meetings/announce")
    form = secretary.locator("main form")
    await form.locator('[name="id"]').fill(meeting)
    await form.locator('[name="date"]').fill((today - timedelta(days=4)).isoformat())
    await form.locator('[name="scheduled_on"]').fill(today.isoformat())
    await form.locator('[name="place"]').fill("Nhà văn hóa tổ dân phố số 1")
    await form.locator('[name="content"]').fill("Kiểm điểm công tác tháng, vệ sinh môi trường")
    await look(secretary, "meeting-announce")
    await secretary.get_by_role("button", name=t("meeting.announce_submit")).click()
    await expect(secretary.locator("main")).to_contain_text(meeting)

    await secretary.goto(f"{site.url}/cells/c1/meetings/new?from={meeting}")
    form = secretary.locator("main form")
    await form.locator('[name="date"]').fill(today.isoformat())
    for member in ("m10", "m11", "m12"):
        await form.locator(f'[name="att-{member}"][value="present"]').check()
    await form.locator('[name="att-m13"][value="excused"]').check()
    await form.locator('[name="reason-m13"]').fill("Ốm")
    await form.locator('[name="res-0-id"]').fill(resolution)
    await form.locator('[name="res-0-content"]').fill("Tổng vệ sinh mương thoát nước")
    await form.locator('[name="res-0-requirements"]').fill("Thông toàn tuyến trước Tết")
    await form.locator('[name="res-0-measures"]').fill("Huy động các hộ, chia ba tổ")
    await form.locator('[name="res-0-executors"][value="m12"]').check()
    await form.locator('[name="res-0-inspector"]').select_option("m11")
    await secretary.get_by_role("button", name=t("meeting.record_submit")).click()

    # Refused: no deadline (R20), named in Vietnamese; what was typed is still there.
    alert = secretary.locator("#refusal")
    await expect(alert).to_contain_text("R20")
    await expect(alert).to_contain_text(t("refusal.title"))
    form = secretary.locator("main form")
    await expect(form.locator('[name="res-0-content"]')).to_have_value(
        "Tổng vệ sinh mương thoát nước"
    )
    await expect(form.locator('[name="reason-m13"]')).to_have_value("Ốm")
    await look(secretary, "meeting-refused")
    await form.locator('[name="res-0-deadline"]').fill(deadline.isoformat())
    await secretary.get_by_role("button", name=t("meeting.record_submit")).click()
    await expect(secretary).to_have_url(f"{site.url}/meetings/{meeting}?notice=saved")
    main = secretary.locator("main")
    for text in ("Đảng viên m12", "Ốm", resolution, "Tổng vệ sinh mương thoát nước"):
        await expect(main).to_contain_text(text)
    await look(secretary, "meeting")
    await secretary.goto(f"{site.url}/cells/c1/resolutions")
    await expect(secretary.locator("main")).to_contain_text(day(deadline))
    await look(secretary, "resolutions")
    await secretary.goto(f"{site.url}/cells/c1/year/{today.year}")
    await look(secretary, "year")

    # --- the executor reports completion from a phone, in two taps ----------------------
    executor = await page_as("m12", phone=True)
    await executor.goto(f"{site.url}/me")
    await expect(executor.locator("main")).to_contain_text("Tổng vệ sinh mương thoát nước")
    assert await executor.evaluate("document.documentElement.scrollWidth") <= 360
    await shot(executor, "me-phone")
    done = executor.locator(f'form[action="/resolutions/{resolution}/completion"]')
    await done.get_by_role("button").click()
    await expect(executor.locator("main")).to_contain_text(t("notice.saved"))

    # --- the workflows raise c2's missed meeting to m04, who handles it -----------------
    in_charge = await page_as("m04", phone=phone)
    await in_charge.goto(f"{site.url}/inbox")
    link = 'a[href^="/escalations/meeting_missed/cell=c2/"]'
    await _until_link(in_charge, link)
    await look(in_charge, "inbox")
    await in_charge.locator(link).first.click()
    key = in_charge.url.split("/escalations/", 1)[1]
    await expect(in_charge.locator("main")).to_contain_text("R1")
    await in_charge.get_by_label(t("field.note")).fill("Đã nhận, sẽ làm việc với chi bộ")
    await in_charge.get_by_role("button", name=t("escalation.acknowledge_button")).click()
    await expect(in_charge.locator("main")).to_contain_text(t("status.acknowledged"))
    await in_charge.get_by_label(t("field.action")).fill("Chi bộ họp bổ sung, đã kiểm điểm")
    await in_charge.get_by_role("button", name=t("escalation.resolve_button")).click()
    await expect(in_charge.locator("main")).to_contain_text(t("status.resolved"))
    await look(in_charge, "escalation")
    await in_charge.goto(f"{site.url}/inbox")
    await expect(in_charge.locator(f'a[href="/escalations/{key}"]')).to_have_count(0)

    supervisor = await page_as("m01", phone=phone)
    await supervisor.goto(f"{site.url}/board?period={today.year}")
    await expect(supervisor.locator("main svg").first).to_be_visible()
    await look(supervisor, "board")

    # --- the auditor: every step of the resolution, and the cell before the meeting -----
    auditor = await page_as("m30", phone=phone)
    await auditor.goto(f"{site.url}/audit")
    await look(auditor, "audit")
    await auditor.goto(f"{site.url}/audit/records/{resolution}")
    timeline = auditor.locator("main")
    # Adopted by the secretary, completed by the executor, both on today's business date.
    for text in (t("event.Adopted"), t("event.Completed"), "m10", "m12", day(today)):
        await expect(timeline).to_contain_text(text)
    await look(auditor, "audit-timeline")
    before = today - timedelta(days=1)
    await auditor.goto(f"{site.url}/audit/cells/c1?on={before.isoformat()}")
    await expect(auditor.locator("main")).not_to_contain_text(meeting)
    await auditor.goto(f"{site.url}/audit/cells/c1?on={today.isoformat()}")
    await expect(auditor.locator("main")).to_contain_text(meeting)
    await look(auditor, "audit-cell")
