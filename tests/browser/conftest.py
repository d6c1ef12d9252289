"""Browser tests of the merchant console: headless Chromium (Debian's
``chromium`` + ``chromium-driver``) driven by selenium against the app served
as `make run` serves it (tests/served.py: gunicorn with config/gunicorn.conf.py,
production settings, a fresh SQLite database with the demo catalog, a free
port, a private localstripe for payments).

Every test here is marked ``browser`` (``pytest -m browser`` runs them alone).
Without Chromium they are skipped, except in CI (``CI=true``), where they fail:
`make test` installs the packages there.

Fixtures: ``shop`` (the served app, once per session), ``browser`` (one
Chromium per session, its cookies cleared before each test), ``console`` (a
``Console`` driving that browser: ``sign_in``, ``open``, ``submit`` ...), and
``screenshot(name)`` saving tests/browser/screenshots/<name>.png."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.driving import Console
from tests.served import served_shop

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CI = os.environ.get("CI", "").lower() == "true"


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None
    return (browser, driver) if browser and driver else None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    found = _chromium()
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if found is None and not CI:  # in CI the fixture fails them instead
                item.add_marker(pytest.mark.skip(reason="chromium / chromium-driver not installed "
                                                        "(apt-get install chromium chromium-driver)"))


@pytest.fixture(scope="session")
def _require_chromium():
    found = _chromium()
    if found is None:
        if CI:
            pytest.fail("CI=true requires chromium and chromium-driver (make test installs them as root)")
        pytest.skip("chromium / chromium-driver not installed")
    return found


@pytest.fixture(scope="session")
def shop(_require_chromium):
    with served_shop("sqlite", stripe=True) as served:
        yield served


@pytest.fixture(scope="session")
def browser(_require_chromium, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _require_chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--lang=en-US", "--no-first-run", "--disable-extensions",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations and script errors
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console(browser, shop):
    browser.delete_all_cookies()
    browser.get_log("browser")  # what earlier tests left
    yield Console(browser, shop)
    # No script error or Content-Security-Policy violation on any page the test saw (an answer's
    # status, 4xx included, is the test's to check).
    problems = [entry["message"] for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]]
    assert problems == []


@pytest.fixture
def screenshot(browser):
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        height = browser.execute_script("return Math.max(document.body.scrollHeight, 600)")
        browser.set_window_size(1400, min(int(height) + 120, 4000))
        browser.save_screenshot(str(path))
        browser.set_window_size(1400, 1000)
        return path

    return save
