"""GitHub's OAuth web flow for the App's users ("Sign in with GitHub"), web side.

``GET /login/oauth/authorize`` stands for GitHub's authorize page: the double skips the page (as if the
person signed in at GitHub, ``double.state.web_user``, clicked "Authorize") and redirects to the
``redirect_uri`` with ``code`` and ``state``, or with ``error=access_denied`` when
``double.state.deny_authorization`` is set. ``POST /login/oauth/access_token`` exchanges a code once,
within ten minutes, for a user access token (``ghu_``) that ``GET /user`` accepts. As on GitHub, the
token endpoint answers 200 with an ``error`` field when it refuses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request as WRequest
from werkzeug.wrappers import Response

from tests.github_double.people import USER_TOKEN_LIFETIME
from tests.github_double.state import AppRecord, OAuthCode, UserToken

if TYPE_CHECKING:
    from tests.github_double.double import GitHubDouble

AUTHORIZE_PATH = "/login/oauth/authorize"
TOKEN_PATH = "/login/oauth/access_token"
CODE_LIFETIME = 600
REFRESH_LIFETIME = 15897600
WRONG_CLIENT = "The client_id and/or client_secret passed are incorrect."
ERROR_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
)


def web_reply(double: GitHubDouble, wreq: WRequest) -> Response | None:
    """The answer to an OAuth web request, or None when the request is not one."""
    if wreq.method == "GET" and wreq.path == AUTHORIZE_PATH:
        return _authorize(double, wreq)
    if wreq.method == "POST" and wreq.path == TOKEN_PATH:
        wreq.get_data()  # cached first, so the recorded call keeps the body after the form is parsed
        return _access_token(double, wreq)
    return None


def _authorize(double: GitHubDouble, wreq: WRequest) -> Response:
    state = double.state
    with state.lock:
        app = state.app
        if app is None or wreq.args.get("client_id") != app.client_id:
            return _page(404, "Not Found", "No application has this client_id.")
        redirect_uri = wreq.args.get("redirect_uri") or (app.callback_urls or [""])[0]
        if not _allowed_redirect(app, redirect_uri):
            return _page(400, "Redirect URI mismatch", "The redirect_uri is not a callback URL of the App.")
        if state.web_user is None:
            return _page(401, "Sign in to GitHub", "Nobody is signed in to the double's web site.")
        if state.deny_authorization:
            found = {"error": "access_denied", "error_description": "The user has denied your application."}
        else:
            found = {"code": _issue_code(double, state.web_user, redirect_uri, wreq)}
    if "state" in wreq.args:
        found["state"] = wreq.args["state"]
    separator = "&" if "?" in redirect_uri else "?"
    location = redirect_uri + separator + urllib.parse.urlencode(found)
    return Response(status=302, headers={"Location": location})


def _allowed_redirect(app: AppRecord, redirect_uri: str) -> bool:
    """GitHub's rule: same host and port as a callback URL, and a path under the callback's path."""
    if not redirect_uri:
        return False
    if not app.callback_urls:
        return True
    wanted = urllib.parse.urlsplit(redirect_uri)
    for callback in app.callback_urls:
        allowed = urllib.parse.urlsplit(callback)
        same_origin = (allowed.scheme, allowed.netloc) == (wanted.scheme, wanted.netloc)
        if same_origin and wanted.path.startswith(allowed.path):
            return True
    return False


def _issue_code(double: GitHubDouble, login: str, redirect_uri: str, wreq: WRequest) -> str:
    challenge = wreq.args.get("code_challenge")
    if challenge is not None and wreq.args.get("code_challenge_method", "plain") != "S256":
        challenge = "plain:" + challenge
    code = secrets.token_hex(10)
    double.state.oauth_codes[code] = OAuthCode(code, login, redirect_uri, double.now(), challenge)
    return code


def _access_token(double: GitHubDouble, wreq: WRequest) -> Response:
    fields = dict(wreq.form.items()) if wreq.form else _json_fields(wreq)
    with double.state.lock:
        app = double.state.app
        secret = fields.get("client_secret", "").encode()
        if app is None or fields.get("client_id") != app.client_id:
            return _token_error(wreq, "incorrect_client_credentials", WRONG_CLIENT)
        if not hmac.compare_digest(secret, app.client_secret.encode()):
            return _token_error(wreq, "incorrect_client_credentials", WRONG_CLIENT)
        found = double.state.oauth_codes.get(fields.get("code", ""))
        if found is None or found.used or double.now() - found.created_at > CODE_LIFETIME:
            return _token_error(wreq, "bad_verification_code", "The code passed is incorrect or expired.")
        if "redirect_uri" in fields and fields["redirect_uri"] != found.redirect_uri:
            return _token_error(wreq, "redirect_uri_mismatch", "The redirect_uri does not match the code's.")
        if not _verifier_matches(found.code_challenge, fields.get("code_verifier")):
            return _token_error(wreq, "bad_verification_code", "The code_verifier does not match.")
        found.used = True
        token = UserToken("ghu_" + secrets.token_hex(18), found.login, double.now() + USER_TOKEN_LIFETIME)
        double.state.user_tokens[token.value] = token
    body = {
        "access_token": token.value,
        "expires_in": USER_TOKEN_LIFETIME,
        "refresh_token": "ghr_" + secrets.token_hex(38),
        "refresh_token_expires_in": REFRESH_LIFETIME,
        "scope": "",
        "token_type": "bearer",
    }
    return _token_answer(wreq, body)


def _json_fields(wreq: WRequest) -> dict[str, str]:
    try:
        data = json.loads(wreq.get_data() or b"{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _verifier_matches(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True
    if verifier is None:
        return False
    if challenge.startswith("plain:"):
        return hmac.compare_digest(challenge.removeprefix("plain:").encode(), verifier.encode())
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest.encode(), challenge.encode())


def _token_error(wreq: WRequest, error: str, description: str) -> Response:
    return _token_answer(wreq, {"error": error, "error_description": description, "error_uri": ERROR_DOCS})


def _token_answer(wreq: WRequest, body: dict[str, object]) -> Response:
    """JSON when asked with ``Accept: application/json``, else GitHub's default form encoding."""
    if "application/json" in wreq.headers.get("Accept", ""):
        return Response(json.dumps(body), status=200, content_type="application/json; charset=utf-8")
    encoded = urllib.parse.urlencode({k: str(v) for k, v in body.items()})
    return Response(encoded, status=200, content_type="application/x-www-form-urlencoded; charset=utf-8")


def _page(status: int, title: str, message: str) -> Response:
    body = f"<html><body><h1>{title}</h1><p>{message}</p></body></html>"
    return Response(body, status=status, content_type="text/html; charset=utf-8")
