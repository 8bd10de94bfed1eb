"""The double's OAuth web flow: authorize redirects back with a code that buys one user token, once."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse

import requests

from tests.github_double import GitHubDouble

CALLBACK = "https://guard.example.com/auth/github/callback"
VERIFIER = "a-verifier-long-enough-for-pkce-0123456789abcdef"


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(double: GitHubDouble, **extra: str) -> requests.Response:
    app = double.state.app
    assert app is not None
    query = {"client_id": app.client_id, "redirect_uri": CALLBACK, "state": "s-1"} | extra
    return requests.get(
        f"{double.web_url}/login/oauth/authorize", params=query, allow_redirects=False, timeout=5
    )


def _code(double: GitHubDouble, **extra: str) -> str:
    answer = _authorize(double, **extra)
    assert answer.status_code == 302, answer.text
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers["Location"]).query))
    assert query["state"] == "s-1"
    return query["code"]


def _exchange(double: GitHubDouble, code: str, **extra: str) -> dict[str, str]:
    app = double.state.app
    assert app is not None
    fields = {"client_id": app.client_id, "client_secret": app.client_secret, "code": code} | extra
    answer = requests.post(
        f"{double.web_url}/login/oauth/access_token",
        data=fields,
        headers={"Accept": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 200  # GitHub answers 200 even when it refuses
    body: dict[str, str] = answer.json()
    return body


def test_a_code_exchanges_once_for_a_token_that_reads_the_user(github_double: GitHubDouble) -> None:
    github_double.sign_in("mona")
    code = _code(github_double, code_challenge=_challenge(VERIFIER), code_challenge_method="S256")
    token = _exchange(github_double, code, code_verifier=VERIFIER, redirect_uri=CALLBACK)
    assert token["access_token"].startswith("ghu_")
    user = requests.get(
        f"{github_double.base_url}/user",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert user.json()["login"] == "mona"
    assert _exchange(github_double, code, code_verifier=VERIFIER)["error"] == "bad_verification_code"


def test_refusals_look_like_githubs(github_double: GitHubDouble) -> None:
    github_double.sign_in("mona")
    pkce = {"code_challenge": _challenge(VERIFIER), "code_challenge_method": "S256"}
    wrong_verifier = _exchange(github_double, _code(github_double, **pkce), code_verifier="another")
    assert wrong_verifier["error"] == "bad_verification_code"
    assert _exchange(github_double, _code(github_double), client_secret="nope")["error"] == (
        "incorrect_client_credentials"
    )
    moved = _exchange(github_double, _code(github_double), redirect_uri="https://elsewhere.example/cb")
    assert moved["error"] == "redirect_uri_mismatch"
    late = _code(github_double)
    github_double.clock.advance(601)  # type: ignore[attr-defined]
    assert _exchange(github_double, late)["error"] == "bad_verification_code"


def test_authorize_refuses_an_unknown_client_or_a_foreign_callback(github_double: GitHubDouble) -> None:
    github_double.sign_in("mona")
    assert _authorize(github_double, client_id="Iv23unknown").status_code == 404
    app = github_double.state.app
    assert app is not None
    app.callback_urls = [CALLBACK]
    assert (
        _authorize(github_double, redirect_uri="https://evil.example/auth/github/callback").status_code == 400
    )
    github_double.state.deny_authorization = True
    denied = _authorize(github_double)
    assert "error=access_denied" in denied.headers["Location"]
