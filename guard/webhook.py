"""Sans-I/O webhook handling: signature verification and the few delivery facts the receiver needs.

Only ``X-Hub-Signature-256`` is accepted (never the SHA-1 header). Signatures are compared in constant
time against every configured secret, so a rotation can run with the old and new secret side by side.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guard.routing import INTERNAL_PREFIX

MAX_BODY_BYTES = 25 * 1024 * 1024
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_EVENT = re.compile(r"[a-z][a-z_]{0,63}")
_HOOK_ID = re.compile(r"[0-9]{1,32}")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database keeps them
MAX_ID = 2**63 - 1


class Rejected(Exception):
    """A delivery refused before storage, with the HTTP status to answer and a reason safe to show."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Summary:
    """What the inbox records beside the raw payload."""

    action: str | None
    installation_id: int | None
    repository: str | None
    account: str | None


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value GitHub would send for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """True when ``header`` is a valid SHA-256 signature of ``body`` under any of ``secrets``."""
    match = _SIGNATURE.fullmatch(header or "")
    if match is None or not secrets:
        return False
    given = bytes.fromhex(match.group(1))
    valid = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        valid |= hmac.compare_digest(expected, given)
    return valid


def required_headers(
    event: str | None, delivery_id: str | None, hook_id: str | None
) -> tuple[str, str, str | None]:
    """Checked (event, delivery id, hook id) from the ``X-GitHub-*`` headers, or Rejected(400)."""
    if not event or not delivery_id:
        raise Rejected(400, "missing X-GitHub-Event or X-GitHub-Delivery header")
    if not _EVENT.fullmatch(event):
        raise Rejected(400, "X-GitHub-Event is not an event name")
    if event.startswith(INTERNAL_PREFIX):
        raise Rejected(400, "X-GitHub-Event names an event the guard reserves for itself")
    if not _DELIVERY_ID.fullmatch(delivery_id):
        raise Rejected(400, "X-GitHub-Delivery is not a delivery id")
    return event, delivery_id, hook_id if hook_id and _HOOK_ID.fullmatch(hook_id) else None


def summarise(payload: Mapping[str, Any]) -> Summary:
    """Action, installation, repository and account of a payload, tolerating absent or odd parts."""
    installation = _mapping(payload.get("installation"))
    repository = _mapping(payload.get("repository"))
    account = _mapping(payload.get("organization")).get("login") or _mapping(repository.get("owner")).get(
        "login"
    )
    account = account or _mapping(installation.get("account")).get("login")
    action = payload.get("action")
    installation_id = installation.get("id")
    full_name = repository.get("full_name")
    return Summary(
        action=_storable(action, 64),
        installation_id=installation_id if _is_id(installation_id) else None,
        repository=_storable(full_name, 256),
        account=account if isinstance(account, str) else None,
    )


def _storable(value: object, limit: int) -> str | None:
    """A text the inbox can keep in its column (the payload keeps whatever was sent)."""
    if not isinstance(value, str) or len(value) > limit or _UNSTORABLE.search(value):
        return None
    return value


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
