"""Sign in with GitHub: who gets in, what the cookies are, and every way a sign-in is refused."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import replace

import pytest
import requests
import sqlalchemy as sa
from werkzeug.test import TestResponse

from guard import signin
from guard.db import state
from guard.sessions import SessionStore
from guard.signin_pages import SESSION_COOKIE, STATE_COOKIE
from tests.support.signin import Site, page_text, sign_in


def _session_cookie(response: TestResponse) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(SESSION_COOKIE + "=")]
    return header


def test_a_reader_team_member_signs_in_and_reaches_the_status_page(reader_site: Site) -> None:
    browser = reader_site.browser()
    assert browser.get("/").status_code == 401
    answer = sign_in(reader_site, browser, "mona", next_path="/")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"
    status = browser.get("/")
    assert status.status_code == 200
    assert "mona" in page_text(status)
    assert "Sign out" in page_text(status)


def test_the_session_cookie_is_httponly_secure_samesite_and_expires(reader_site: Site) -> None:
    cookie = _session_cookie(sign_in(reader_site, reader_site.browser(), "mona"))
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "max-age", "expires"} <= set(attributes)
    assert attributes["samesite"].strip() == "SameSite=Lax"
    assert attributes["max-age"].strip() == "Max-Age=28800"
    assert "Path=/" in cookie


def test_the_code_is_exchanged_with_pkce_and_the_users_token_is_revoked_not_kept(reader_site: Site) -> None:
    sign_in(reader_site, reader_site.browser(), "mona")
    (exchange,) = [c for c in reader_site.double.calls if c.path == "/login/oauth/access_token"]
    assert isinstance(exchange.body, str)
    sent = dict(urllib.parse.parse_qsl(exchange.body))
    assert sent["code_verifier"]
    assert sent["redirect_uri"] == "http://localhost/auth/github/callback"
    (revoked,) = reader_site.double.calls_to("DELETE", "/applications/{client_id}/token")
    assert revoked.status == 204
    token = revoked.body["access_token"]
    assert token.startswith("ghu_")
    assert token not in reader_site.double.state.user_tokens
    with reader_site.services.db.read() as conn:
        stored = json.dumps([list(row) for row in conn.execute(sa.select(state))])
    assert token not in stored
    assert "mona" in stored


def test_a_token_github_would_not_revoke_does_not_stop_the_sign_in(reader_site: Site) -> None:
    reader_site.double.fail("DELETE", "/applications/{client_id}/token", status=500)
    assert sign_in(reader_site, reader_site.browser(), "mona").status_code == 303


def test_someone_on_no_reader_team_is_refused_and_gets_no_session(reader_site: Site) -> None:
    browser = reader_site.browser()
    answer = sign_in(reader_site, browser, "mallory")
    assert answer.status_code == 403
    assert "You signed in on GitHub as mallory, but you are not" in page_text(answer)
    assert not [h for h in answer.headers.getlist("Set-Cookie") if h.startswith(SESSION_COOKIE + "=")]
    assert browser.get("/").status_code == 401


def test_an_invitation_to_the_team_is_not_membership(reader_site: Site) -> None:
    reader_site.double.invite_to_team("acme", "security", "newcomer")
    assert sign_in(reader_site, reader_site.browser(), "newcomer").status_code == 403


def test_an_organisation_owner_is_admitted_without_a_reader_team(reader_site: Site) -> None:
    reader_site.double.add_member("acme", "octo-owner", role="admin")
    reader_site.double.add_member("acme", "plain-member")
    assert sign_in(reader_site, reader_site.browser(), "octo-owner").status_code == 303
    assert sign_in(reader_site, reader_site.browser(), "plain-member").status_code == 403


def test_a_membership_github_cannot_answer_refuses_and_says_so(reader_site: Site) -> None:
    reader_site.double.fail("GET", "/orgs/{org}/memberships/{username}", status=500, times=None)
    answer = sign_in(reader_site, reader_site.browser(), "mona")
    assert answer.status_code == 403
    assert "membership in acme could not be checked" in page_text(answer)


def test_a_callback_from_another_browser_or_used_twice_is_refused(reader_site: Site) -> None:
    reader_site.double.sign_in("mona")
    browser = reader_site.browser()
    start = browser.get("/login")
    callback = requests.get(start.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
    stranger = reader_site.app.test_client()
    refused = stranger.get(callback)
    assert refused.status_code == 400
    assert "not started in this browser" in page_text(refused)
    assert browser.get(callback).status_code == 303
    assert browser.get(callback).status_code == 400
    state_cookie = start.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    browser.set_cookie(STATE_COOKIE, state_cookie)  # a copied cookie does not make the state usable again
    again = browser.get(callback)
    assert again.status_code == 400
    assert "already used" in page_text(again)


def test_a_denied_authorization_signs_nobody_in(reader_site: Site) -> None:
    reader_site.double.state.deny_authorization = True
    answer = sign_in(reader_site, reader_site.browser(), "mona")
    assert answer.status_code == 403
    assert "GitHub did not authorize the sign-in" in page_text(answer)
    assert [c for c in reader_site.double.calls if c.path == "/login/oauth/access_token"] == []


def test_a_code_github_refuses_to_exchange_signs_nobody_in(reader_site: Site) -> None:
    settings = reader_site.services.settings
    reader_site.services.settings = replace(settings, github_client_secret="not-the-apps-secret")
    answer = sign_in(reader_site, reader_site.browser(), "mona")
    assert answer.status_code == 502
    assert "GitHub did not accept the sign-in (The client_id and/or client_secret" in page_text(answer)
    assert reader_site.double.calls_to("GET", "/user") == []


def test_a_return_address_off_this_site_becomes_the_alert_page(reader_site: Site) -> None:
    for target in ("https://evil.example/", "//evil.example/alerts", "/\\evil.example"):
        answer = sign_in(reader_site, reader_site.browser(), "mona", next_path=target)
        assert answer.headers["Location"] == "/alerts", target


def test_signing_out_needs_the_forms_token_and_ends_the_session(reader_site: Site) -> None:
    browser = reader_site.browser()
    sign_in(reader_site, browser, "mona")
    forged = browser.post("/logout", data={})
    assert forged.status_code == 403
    assert "nothing was changed" in page_text(forged)
    assert browser.get("/").status_code == 200
    page = browser.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = browser.post("/logout", data={"csrf_token": token})
    assert out.status_code == 200
    assert "You are signed out" in page_text(out)
    assert browser.get("/").status_code == 401


def test_without_the_oauth_client_sign_in_says_what_to_set(reader_site: Site) -> None:
    settings = reader_site.services.settings
    reader_site.services.settings = replace(settings, github_client_id=None, github_client_secret=None)
    answer = reader_site.browser().get("/login")
    assert answer.status_code == 503
    assert "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET" in page_text(answer)


def test_unfinished_sign_ins_are_bounded(reader_site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "MAX_PENDING", 3)
    browser = reader_site.browser()
    assert [browser.get("/login").status_code for _ in range(4)] == [302, 302, 302, 503]
    assert "too many sign-ins are in progress" in page_text(browser.get("/login"))


def test_a_session_ends_at_its_expiry(reader_site: Site) -> None:
    now = [1_000_000.0]
    store = SessionStore(reader_site.services.db, clock=lambda: now[0])
    session_id, session = store.create("mona", ("acme",))
    assert store.find(session_id) == session
    now[0] += 8 * 3600
    assert store.find(session_id) is None
    assert store.find("not-a-session") is None
