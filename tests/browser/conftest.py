"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server.

Chromium is never downloaded: the tests use /usr/bin/chromium. When it is missing they are
skipped, unless FREEASSOC_REQUIRE_BROWSER=1 (CI sets it), in which case they fail.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# A phone: 360 CSS pixels wide, touch, mobile viewport handling (the <meta name=viewport> counts).
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

TIMEOUT_MS = 15_000


def _require_browser() -> bool:
    return os.environ.get("FREEASSOC_REQUIRE_BROWSER", "").strip() == "1"


def _unavailable(reason: str):
    if _require_browser():
        pytest.fail(f"{reason} (FREEASSOC_REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def chromium():
    """One Chromium for the browser tests, started once for this package and stopped after it.

    Package scope, not session scope, on purpose: Playwright's sync API keeps an asyncio event
    loop *running* in the test thread from start() to stop() (it drives the loop from a
    greenlet). Django's async-safety check sees that running loop and refuses every ORM call
    made from the test thread (SynchronousOnlyOperation), although nothing here is actually
    asynchronous: the ORM calls are made between Playwright calls, never inside the loop, and
    the live server answers requests in its own threads. So, while (and only while) Playwright
    runs, we set DJANGO_ALLOW_ASYNC_UNSAFE, which Django reads at each call. Setting it at
    import time instead would switch the check off for every other test folder in the run, and
    keeping the loop alive for the whole session would break their ORM calls.
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        _unavailable("playwright is not installed (pip install -e '.[test]')")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:
        playwright.stop()
        _restore_env(previous)
        _unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()
        _restore_env(previous)


def _restore_env(previous):
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server(chromium, live_server):
    """The live server's base URL, with fresh rate-limit counters.

    The counters live in the database cache table, which pytest-django's flush between
    transactional tests does not empty (it is not a model table): without this, the starts and
    resumes of earlier tests in the run would count against this one.
    """
    from django.core.cache import cache

    cache.clear()
    return live_server.url


@pytest.fixture
def new_context(chromium, server):
    """Make browser contexts (each one a separate device: its own cookies); all are closed
    after the test. Keyword arguments go to Browser.new_context; `device` is PHONE or DESKTOP."""
    contexts = []

    def make(device=None, **kwargs):
        options = {**(device or PHONE), "base_url": server, **kwargs}
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_context):
    """A page in a phone-sized context."""
    return new_context(PHONE).new_page()


@pytest.fixture
def desktop(new_context):
    return new_context(DESKTOP).new_page()


@pytest.fixture(scope="session")
def screenshots():
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
