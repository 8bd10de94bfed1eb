"""Keep secrets out of every log line, stored error and exception text.

Known secret values (the webhook secrets, the private key, installation tokens as they are minted) are
registered here and replaced wherever they appear; values that look like credentials are replaced too.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(
    r"(secret|token|password|private[_-]?key|authorization|jwt|pem|cookie|credential)", re.I
)
_PATTERNS = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"
    r"|\b(?:ghs|ghp|gho|ghu|ghr|github_pat)_[A-Za-z0-9_]{16,}"
    r"|\bpgt_[A-Za-z0-9_-]{43}"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"
    r"|(?i:bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*",
    re.S,
)
_lock = threading.Lock()
_known: frozenset[str] = frozenset()


def register_secret(*values: str | None) -> None:
    """Remember secret values so they are redacted wherever they later appear."""
    global _known  # noqa: PLW0603 - one process-wide set, replaced atomically
    fresh = {v for v in values if v and len(v) >= 8}
    if fresh - _known:
        with _lock:
            _known = _known | fresh


def forget_secrets(values: Iterable[str]) -> None:
    """Stop tracking values that can no longer be used (expired tokens), keeping the set small."""
    global _known  # noqa: PLW0603
    with _lock:
        _known = _known - set(values)


def redact(text: str) -> str:
    """``text`` with every registered secret and credential-looking value replaced."""
    for value in _known:
        if value in text:
            text = text.replace(value, REDACTED)
    return _PATTERNS.sub(REDACTED, text)


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a mapping key names something that must never be logged (the same few keys recur)."""
    return bool(_SECRET_KEY.search(key))


def redact_value(key: str, value: object) -> object:
    """A log field's value with secrets removed; secret-named keys lose their value entirely."""
    if is_secret_key(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value
