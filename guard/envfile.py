"""Writing settings to a ``.env`` file that only its owner can read."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values, set_key


def set_values(path: Path, values: Mapping[str, str]) -> None:
    """Add or replace ``values`` in the file, creating it with mode 0600 and keeping it 0600."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
    for key, value in values.items():
        set_key(path, key, value, quote_mode="always")


def ensure_webhook_secret(path: Path) -> bool:
    """Generate a local WEBHOOK_SECRET when none is set anywhere; True when one was written."""
    if os.environ.get("WEBHOOK_SECRET") or (path.is_file() and dotenv_values(path).get("WEBHOOK_SECRET")):
        return False
    set_values(path, {"WEBHOOK_SECRET": secrets.token_urlsafe(32)})
    return True
