"""The page ``/`` in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, via
Selenium): it shows the best prices of a watched event and updates them from the stream
when the sink commits a change. A screenshot is kept in ``$ODDS_TEST_ARTIFACTS`` (default
``.artifacts/``) as ``api-page.png``."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.integration.api.conftest import Stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("ODDS_TEST_ARTIFACTS", ROOT / ".artifacts"))


def _browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=opts)


def _wait(driver, script: str, timeout_s: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = driver.execute_script(script)
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"page never satisfied: {script}\n{driver.find_element('tag name', 'body').text}")


@pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="Debian's chromium and chromium-driver are not installed"
)
async def test_the_page_shows_best_prices_and_updates_them_live(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    target = next(s for s in reversed(stack.feed.snaps) if s.event.sportradar_id is not None)
    listing = (await client.get("/events", params={"limit": 200})).json()["items"]
    eid = next(e["id"] for e in listing if e["sportradar_id"] == target.event.sportradar_id)
    driver = await asyncio.to_thread(_browser)
    try:
        await asyncio.to_thread(driver.get, f"{stack.base}/?watch={eid}")
        rows = await asyncio.to_thread(
            _wait,
            driver,
            "return document.body.dataset.ready && document.querySelectorAll('tbody tr').length",
        )
        assert rows == len((await client.get(f"/events/{eid}/best")).json()["prices"])
        await asyncio.to_thread(_wait, driver, "return document.querySelector('#status .ok')")
        change = dataclasses.replace(
            target, captured_at=target.captured_at + timedelta(hours=6), keyframe=False,
            changed={(1, ""): {"1": 77.77, "2": 1.5, "3": 1.6}}, removed=(),
        )  # fmt: skip
        await stack.publish([change])
        cell = await asyncio.to_thread(
            _wait,
            driver,
            "return [...document.querySelectorAll('td.price')]"
            ".map(t => t.textContent).find(t => t === '77.77')",
        )
        assert cell == "77.77"
        fresh = await asyncio.to_thread(
            _wait,
            driver,
            f"return document.querySelector('.fresh [data-bookmaker=\"{target.bookmaker}\"]').textContent",
        )
        assert target.bookmaker in fresh
        await asyncio.to_thread(ARTIFACTS.mkdir, parents=True, exist_ok=True)
        shot = ARTIFACTS / "api-page.png"
        await asyncio.to_thread(driver.save_screenshot, str(shot))
        assert (await asyncio.to_thread(shot.stat)).st_size > 10_000
    finally:
        await asyncio.to_thread(driver.quit)
