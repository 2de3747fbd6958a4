"""The `workflows` fixture does what the month walkthrough needs: a meeting recorded
late, with a resolution already past its deadline, makes the real workflows behind the
served site raise an escalation, which reaches the home page of the member in charge."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import PASSWORD, NewPage, Site

pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]

WAIT = 60.0


async def test_an_escalation_raised_by_the_workflows_reaches_the_home_page(
    workflows: Site, page_as: NewPage
) -> None:
    site = workflows
    suffix = uuid.uuid4().hex[:8]  # workflow ids outlive a test on the shared dev server
    meeting, resolution = f"mt-{suffix}", f"nq-{suffix}"
    held = date.today() - timedelta(days=60)
    async with httpx.AsyncClient(base_url=site.url) as http:
        answer = await http.post(
            "/api/token", data={"username": site.account("m10"), "password": PASSWORD}
        )
        secretary = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        answer = await http.post(
            "/api/cells/c1/meetings",
            headers=secretary,
            json={
                "date": held.isoformat(),
                "id": meeting,
                "kind": "regular",
                "present": ["m10", "m11", "m12", "m13"],
                "resolutions": [
                    {
                        "id": resolution,
                        "content": "Nạo vét mương thoát nước",
                        "requirements": "Thông toàn tuyến",
                        "measures": "Huy động hộ dân",
                        "deadline": (held + timedelta(days=10)).isoformat(),
                        "executors": ["m11"],
                        "inspector": "m10",
                    }
                ],
            },
        )
        assert answer.status_code == 201, answer.text

    # Level 2 of the overdue resolution (deadline + 15 days) goes to m03, in charge of c1.
    page = await page_as("m03")
    escalation = page.locator(f'a[href^="/escalations/"][href*="{resolution}"]')
    deadline = asyncio.get_running_loop().time() + WAIT
    while not await escalation.count():
        assert asyncio.get_running_loop().time() < deadline, "no escalation on the home page"
        await asyncio.sleep(0.5)
        await page.reload()
    await expect(escalation.first).to_be_visible()
