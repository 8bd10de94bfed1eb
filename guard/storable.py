"""Payload text the database can keep: NUL characters and lone surrogates become U+FFFD.

A JSON payload may spell both as escapes (``\\u0000``, ``\\ud800``); PostgreSQL refuses NUL in text and
no UTF-8 encoder takes a lone surrogate, so a title carrying one would make every write about the
delivery (its decisions, its alert) fail. GitHub's own payloads never hold them; hostile ones might.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ESCAPES = re.compile(r"\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2})")  # only then can the parsed value hold one
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def load_payload(text: str) -> Any:
    """``json.loads``, with every NUL and lone surrogate in keys and values replaced."""
    value = json.loads(text)
    return _clean(value) if _ESCAPES.search(text) else value


def storable_text(text: str) -> str:
    """``text`` with every NUL and lone surrogate replaced."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value
