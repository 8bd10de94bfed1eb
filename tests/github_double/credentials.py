"""How the double authenticates callers: App JWTs (RS256, GitHub's claim rules) and installation tokens."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import Any

import jwt

from tests.github_double.routing import AuthKind, HttpError, Identity
from tests.github_double.state import AppRecord, Installation, State, Token

TOKEN_LIFETIME = 3600
JWT_MAX_LIFETIME = 600
BAD_JWT = "A JSON web token could not be decoded"
IAT_MESSAGE = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)
EXP_MESSAGE = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
AUTH_DOCS = "https://docs.github.com/rest"


def unauthorized(message: str) -> HttpError:
    return HttpError(401, message, documentation_url=AUTH_DOCS)


def jwt_problem(token: str, app: AppRecord, now: float) -> str | None:
    """Why GitHub would refuse ``token`` as this App's JWT at time ``now``, or None to accept it."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return BAD_JWT
    if str(claims.get("iss")) not in (str(app.id), app.client_id):
        return BAD_JWT
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or iat > now:
        return IAT_MESSAGE
    if not isinstance(exp, int) or exp <= now:
        return EXP_MESSAGE
    if exp > now + JWT_MAX_LIFETIME:
        return EXP_TOO_FAR
    return None


def bearer(header: str | None) -> str | None:
    """The credential in ``Authorization: Bearer X`` or ``token X``."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") and value.strip() else None


def authenticate(state: State, header: str | None, auth: AuthKind, now: float) -> Identity:
    """The caller of a route needing ``auth``; raises a 401 ``HttpError`` as GitHub would."""
    if auth == "client":
        return _client(state, header)
    credential = bearer(header)
    if credential is None:
        if auth == "any":
            return Identity("anonymous")
        raise unauthorized("Requires authentication")
    if credential.count(".") == 2 and auth in ("app", "any"):
        if state.app is None:
            raise unauthorized(BAD_JWT)
        problem = jwt_problem(credential, state.app, now)
        if problem:
            raise unauthorized(problem)
        return Identity("app")
    if auth == "user":
        user = state.user_tokens.get(credential)
        if user is None or user.expires_at <= now:
            raise unauthorized("Bad credentials")
        return Identity("user", login=user.login)
    token = state.tokens.get(credential)
    if auth == "app" or token is None or token.expires_at <= now:
        raise unauthorized("Bad credentials")
    return Identity("installation", installation_id=token.installation_id, token=token)


def _client(state: State, header: str | None) -> Identity:
    """The App's OAuth client, by HTTP Basic with its client id and secret (``/applications/...``)."""
    scheme, _, value = (header or "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id, secret = "", ""
    app = state.app
    if scheme.lower() != "basic" or app is None or client_id != app.client_id:
        raise unauthorized("Requires authentication")
    if not hmac.compare_digest(secret.encode(), app.client_secret.encode()):
        raise unauthorized("Requires authentication")
    return Identity("client")


def issue_token(
    state: State,
    installation: Installation,
    now: float,
    permissions: dict[str, str] | None,
    repository_ids: frozenset[int] | None,
) -> Token:
    """A new installation token, optionally narrowed to some permissions and repositories."""
    token = Token(
        value="ghs_" + secrets.token_hex(18),
        installation_id=installation.id,
        expires_at=float(int(now) + TOKEN_LIFETIME),
        permissions=dict(installation.permissions if permissions is None else permissions),
        repository_ids=repository_ids,
    )
    state.tokens[token.value] = token
    return token
