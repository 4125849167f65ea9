"""Headless Chromium (Debian's chromium package) driven by Playwright; never downloads a browser."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

from labelhive_harness.common import HarnessError, ensure_debian_packages

ENV_BINARY = "LABELHIVE_TEST_CHROMIUM"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--no-first-run",
]


def chromium_path() -> str:
    if path := os.environ.get(ENV_BINARY):
        return path
    ensure_debian_packages({"/usr/bin/chromium": "chromium"})
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(found):
        raise HarnessError(
            "Chromium not found: run 'apt-get install -y chromium' or set LABELHIVE_TEST_CHROMIUM"
        )
    return found


@dataclass
class Browser:
    """A running headless Chromium; `browser` is a playwright.sync_api.Browser."""

    browser: Any
    _playwright: Any

    def stop(self) -> None:
        self.browser.close()
        self._playwright.stop()


def start_chromium() -> Browser:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
    except Exception as exc:
        playwright.stop()
        raise HarnessError(f"Chromium failed to start: {str(exc).splitlines()[0]}") from exc
    return Browser(browser=browser, _playwright=playwright)


def editor_point(page: Any, image_size: tuple[int, int], x: float, y: float) -> tuple[float, float]:
    """Image pixel -> page coordinates in the annotation editor at fit-to-view (16 px padding, centred)."""
    box = page.get_by_test_id("editor-canvas").bounding_box()
    w, h = image_size
    scale = min((box["width"] - 32) / w, (box["height"] - 32) / h)
    left = box["x"] + (box["width"] - w * scale) / 2
    top = box["y"] + (box["height"] - h * scale) / 2
    return left + x * scale, top + y * scale
