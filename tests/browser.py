"""The distribution's headless Chromium, driven by selenium through its chromedriver,
for the tests of pages (tests/pages, tests/service). ``.ci/run`` installs both; a test
using :func:`chromium` is skipped only on a machine without them (``MISSING``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.helpers import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = CHROMIUM is None or CHROMEDRIVER is None
WHY = "no Chromium and chromedriver on this machine (.ci/run installs them)"
ARTIFACTS = ROOT / "test-artifacts" / "pages"


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium window of 1200 x 900, quit afterwards."""
    assert CHROMIUM is not None and CHROMEDRIVER is not None, WHY
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1200,900")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: WebDriver, name: str) -> Path:
    """The whole page (the window made as tall as the document), kept as an artifact in
    test-artifacts/pages/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(int(height) + 120, 6000))
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path))
    driver.set_window_size(1200, 900)
    return path
