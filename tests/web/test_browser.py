"""The alert page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Sign in through the GitHub double's OAuth pages, filter, open an alert, acknowledge it; a hostile alert
runs no script. Screenshots go to ``GUARD_TEST_ARTIFACTS`` (default: the test's temporary directory).
Skips when Chromium or Playwright is missing, unless ``GUARD_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from guard.alert_queries import get_alert
from guard.alerts import AlertContext, AlertStore
from policies.base import AlertSpec, Severity
from tests.support.signin import Site

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
pytestmark = pytest.mark.browser


def _playwright() -> Any:
    reason = ""
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "Playwright for Python is not installed (pip install -e '.[test]')"
    if reason:
        if os.environ.get("GUARD_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (GUARD_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture
def artifacts(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    root = Path(os.environ.get("GUARD_TEST_ARTIFACTS") or tmp_path)
    folder = root / "browser" / request.node.name.replace("[", "-").rstrip("]")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def live_site(reader_site: Site) -> Iterator[str]:
    """The guard on a real port, reached as ``localhost`` (a secure context, so Secure cookies work)."""
    server = make_server("127.0.0.1", 0, reader_site.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser_page(live_site: str) -> Iterator[Any]:
    with _playwright()() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def _raise(store: AlertStore, title: str, severity: Severity, details: str = "Evidence.") -> int:
    spec = AlertSpec(
        severity=severity,
        policy="branch_protection",
        rule="protection-weakened",
        title=title,
        details=details,
        repository="acme/widgets",
        subject=title,
        actor="mallory",
    )
    return store.raise_alert(spec, AlertContext(delivery_id="d-1", organisation="acme"))


def test_sign_in_filter_open_and_acknowledge_in_chromium(
    reader_site: Site, live_site: str, browser_page: Any, artifacts: Path
) -> None:
    ticks = itertools.count(1_800_000_000)
    store = AlertStore(reader_site.services.db, clock=lambda: float(next(ticks)))
    _raise(store, "Direct push to main in acme/widgets", Severity.HIGH)
    critical = _raise(
        store,
        "Protection of main removed by mallory",
        Severity.CRITICAL,
        "**mallory** removed the protection of `main`.\n\n| Setting | Declared | Now |\n| --- | --- | --- |\n"
        "| `enforce_admins` | true | false |\n",
    )
    reader_site.double.sign_in("mona")
    page = browser_page

    page.goto(f"{live_site}/alerts")
    page.wait_for_url(f"{live_site}/alerts")
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.screenshot(path=str(artifacts / "1-signed-in-list.png"), full_page=True)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "__Host-guard_session"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Lax")
    assert cookie["expires"] > 0

    page.select_option("select[name=min_severity]", "critical")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**min_severity=critical**")
    assert page.locator("table.alerts tbody tr").count() == 1
    assert not page.get_by_text("Direct push to main").is_visible()
    page.screenshot(path=str(artifacts / "2-filtered.png"), full_page=True)

    page.get_by_role("link", name="Protection of main removed by mallory").click()
    page.wait_for_url(f"{live_site}/alerts/{critical}")
    assert page.locator(".evidence table td code").inner_text() == "enforce_admins"
    page.screenshot(path=str(artifacts / "3-detail.png"), full_page=True)

    page.fill("#ack-note", "Restoring it now")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.get_by_text("acknowledged by mona").is_visible()
    page.screenshot(path=str(artifacts / "4-acknowledged.png"), full_page=True)
    alert = get_alert(store.db, critical)
    assert alert is not None
    assert (alert.state, alert.state_by, alert.state_note) == ("acknowledged", "mona", "Restoring it now")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_site}/alerts")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / "5-phone-list.png"), full_page=True)
    assert sorted(p.name for p in artifacts.iterdir())[0] == "1-signed-in-list.png"


def test_a_hostile_alert_runs_no_script_in_the_browser(
    reader_site: Site, live_site: str, browser_page: Any, artifacts: Path
) -> None:
    store = AlertStore(reader_site.services.db)
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    alert_id = _raise(
        store,
        f"Hostile {hostile}",
        Severity.CRITICAL,
        f'{hostile}\n\n[click](javascript:window.pwned=3)\n\n<svg onload="window.pwned=4"></svg>',
    )
    dialogs: list[str] = []
    page = browser_page
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    reader_site.double.sign_in("mona")
    for path in ("/alerts", f"/alerts/{alert_id}"):
        page.goto(live_site + path)
        page.wait_for_url(live_site + path)
        assert page.evaluate("window.pwned === undefined")
        assert page.locator("script, img, svg, iframe").count() == 0
    assert page.get_by_text("<script>window.pwned=2</script>").first.is_visible()
    page.get_by_text("[click](javascript:window.pwned=3)").click()
    assert page.evaluate("window.pwned === undefined")
    assert dialogs == []
    page.screenshot(path=str(artifacts / "hostile-detail.png"), full_page=True)


def test_someone_on_no_reader_team_is_turned_away_in_the_browser(
    reader_site: Site, live_site: str, browser_page: Any, artifacts: Path
) -> None:
    reader_site.double.sign_in("mallory")
    page = browser_page
    answer = page.goto(f"{live_site}/alerts")
    assert answer is not None
    assert answer.status == 403
    assert page.get_by_text("You signed in on GitHub as").is_visible()
    assert [c for c in page.context.cookies() if c["name"] == "__Host-guard_session"] == []
    page.screenshot(path=str(artifacts / "refused.png"), full_page=True)
