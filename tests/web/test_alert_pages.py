"""The alert pages: sign-in first, filters, pages, the detail view, its forms (CSRF), and hostile text."""

from __future__ import annotations

import html
import itertools
import re

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from guard.alert_queries import get_alert
from guard.alerts import AlertContext, AlertStore
from policies.base import AlertSpec, Severity
from tests.support.html_forms import forms
from tests.support.signin import Site, page_text, sign_in

HOSTILE_TITLE = '<script>alert("title")</script> protection removed'
HOSTILE_DETAILS = (
    "Evidence <img src=x onerror=alert(1)> and <iframe src=//evil.example></iframe>\n\n"
    "[open me](javascript:alert(document.cookie)) [fine](https://github.com/acme/widgets)\n\n"
    '<a href="javascript:alert(2)">raw link</a> `<b>code</b>`\n\n'
    "| Setting | Now |\n| --- | --- |\n| `enforce_admins` | <svg onload=alert(3)> |\n"
)


def _alert(
    store: AlertStore,
    title: str,
    *,
    severity: Severity = Severity.HIGH,
    repository: str | None = "acme/widgets",
    organisation: str | None = "acme",
    policy: str = "branch_protection",
    details: str = "The branch lost its protection.",
) -> int:
    spec = AlertSpec(
        severity=severity,
        policy=policy,
        rule="protection-weakened",
        title=title,
        details=details,
        repository=repository,
        subject=title,
    )
    return store.raise_alert(spec, AlertContext(delivery_id="d-1", organisation=organisation))


@pytest.fixture
def store(reader_site: Site) -> AlertStore:
    ticks = itertools.count(1_800_000_000)
    return AlertStore(reader_site.services.db, clock=lambda: float(next(ticks)))


@pytest.fixture
def mona(reader_site: Site) -> FlaskClient:
    browser = reader_site.browser()
    assert sign_in(reader_site, browser, "mona").status_code == 303
    return browser


def _token(page: TestResponse) -> str:
    (token,) = {
        f.fields["csrf_token"] for f in forms(page.get_data(as_text=True)) if "csrf_token" in f.fields
    }
    return token


def test_nobody_anonymous_sees_an_alert(reader_site: Site, store: AlertStore) -> None:
    alert_id = _alert(store, "Protection of main removed")
    for path in ("/alerts", f"/alerts/{alert_id}"):
        answer = reader_site.browser().get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login?next=")
        assert "Protection of main removed" not in answer.get_data(as_text=True)
    posted = reader_site.browser().post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": "x"})
    assert posted.status_code == 403
    assert get_alert(store.db, alert_id).state == "open"  # type: ignore[union-attr]


def test_the_list_shows_only_the_readers_organisations(mona: FlaskClient, store: AlertStore) -> None:
    _alert(store, "acme alert")
    _alert(store, "acme dead delivery", organisation=None, policy="system")
    _alert(store, "guard-wide problem", organisation=None, repository=None, policy="system")
    _alert(store, "globex alert", organisation="globex", repository="globex/app")
    _alert(store, "globex dead delivery", organisation=None, repository="globex/app", policy="system")
    text = page_text(mona.get("/alerts"))
    assert "acme alert" in text
    assert "acme dead delivery" in text
    assert "guard-wide problem" in text
    assert "globex" not in text


def test_filters_narrow_the_list(mona: FlaskClient, store: AlertStore) -> None:
    _alert(store, "low one", severity=Severity.LOW)
    _alert(store, "critical one", severity=Severity.CRITICAL)
    _alert(store, "config one", severity=Severity.MEDIUM, policy="config")
    _alert(store, "gadgets one", repository="acme/gadgets")
    high = page_text(mona.get("/alerts?min_severity=high"))
    assert "critical one" in high
    assert "gadgets one" in high
    assert "low one" not in high
    assert "config one" not in high
    assert "config one" in page_text(mona.get("/alerts?policy=config"))
    assert "low one" not in page_text(mona.get("/alerts?policy=config"))
    only = page_text(mona.get("/alerts?repository=acme/gadgets"))
    assert "gadgets one" in only
    assert "critical one" not in only
    assert "No alert matches" in page_text(mona.get("/alerts?state=resolved"))


def test_a_filter_that_cannot_be_used_is_named(mona: FlaskClient) -> None:
    answer = mona.get("/alerts?min_severity=urgent")
    assert answer.status_code == 400
    assert "unknown severity 'urgent'" in page_text(answer)


def test_pages_follow_one_another_without_repeats(mona: FlaskClient, store: AlertStore) -> None:
    for number in range(60):
        _alert(store, f"alert number {number:02d}", severity=Severity.HIGH)
    _alert(store, "a low alert", severity=Severity.LOW)
    first = mona.get("/alerts?min_severity=high")
    seen = re.findall(r"alert number (\d\d)", page_text(first))
    assert len(seen) == 50
    (next_link,) = re.findall(r'<a rel="next" href="([^"]+)"', first.get_data(as_text=True))
    second = mona.get(html.unescape(next_link))
    rest = re.findall(r"alert number (\d\d)", page_text(second))
    assert sorted(seen + rest) == [f"{n:02d}" for n in range(60)]
    assert "a low alert" not in page_text(second)
    assert "First page" in page_text(second)
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_a_reader_acknowledges_then_resolves_an_alert_with_notes(
    mona: FlaskClient, store: AlertStore
) -> None:
    alert_id = _alert(store, "Protection of main removed")
    detail = mona.get(f"/alerts/{alert_id}")
    assert detail.status_code == 200
    assert "The branch lost its protection." in page_text(detail)
    token = _token(detail)
    done = mona.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token, "note": "looking"})
    assert done.status_code == 303
    acknowledged = page_text(mona.get(done.headers["Location"]))
    assert "acknowledged by mona" in acknowledged
    assert "looking" in acknowledged
    resolved = mona.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token, "note": "restored"})
    assert resolved.status_code == 303
    alert = get_alert(store.db, alert_id)
    assert alert is not None
    assert (alert.state, alert.state_by, alert.state_note) == ("resolved", "mona", "restored")
    assert "Resolve" not in page_text(mona.get(f"/alerts/{alert_id}"))


def test_a_form_without_the_sessions_token_changes_nothing(
    reader_site: Site, mona: FlaskClient, store: AlertStore
) -> None:
    alert_id = _alert(store, "Protection of main removed")
    other = reader_site.browser()
    reader_site.double.set_team_members("acme", "security", ["mona", "lisa"])
    sign_in(reader_site, other, "lisa")
    others_token = _token(other.get(f"/alerts/{alert_id}"))
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "guessed"}, {"csrf_token": others_token}):
        answer = mona.post(f"/alerts/{alert_id}/acknowledge", data=data)
        assert answer.status_code == 403, data
        assert "nothing was changed" in page_text(answer)
    assert get_alert(store.db, alert_id).state == "open"  # type: ignore[union-attr]


def test_another_organisations_alert_can_be_neither_read_nor_changed(
    mona: FlaskClient, store: AlertStore
) -> None:
    alert_id = _alert(store, "globex alert", organisation="globex", repository="globex/app")
    token = _token(mona.get("/alerts"))
    assert mona.get(f"/alerts/{alert_id}").status_code == 404
    assert mona.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert get_alert(store.db, alert_id).state == "open"  # type: ignore[union-attr]


def test_acknowledging_twice_says_why_nothing_changed(mona: FlaskClient, store: AlertStore) -> None:
    alert_id = _alert(store, "Protection of main removed")
    token = _token(mona.get(f"/alerts/{alert_id}"))
    assert mona.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token}).status_code == 303
    again = mona.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token})
    assert again.status_code == 409
    assert "cannot be acknowledged" in page_text(again)


def test_hostile_alert_text_is_shown_as_text_and_never_runs(mona: FlaskClient, store: AlertStore) -> None:
    alert_id = _alert(store, HOSTILE_TITLE, details=HOSTILE_DETAILS)
    for page in (mona.get("/alerts"), mona.get(f"/alerts/{alert_id}")):
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script" not in body
        assert "&lt;script&gt;" in body
        assert not re.search(r"<(img|iframe|svg)\b", body)
        links = re.findall(r'<a [^>]*href="([^"]*)"', body)
        assert links
        assert not [link for link in links if "javascript" in html.unescape(link).lower()]
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
    detail = mona.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert '<a href="https://github.com/acme/widgets">fine</a>' in detail
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in detail
    assert "<td><code>enforce_admins</code></td>" in detail
