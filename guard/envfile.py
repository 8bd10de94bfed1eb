"""Writing settings to a ``.env`` file that only its owner can read.

Values are written all at once: the new file is built beside the old one, read back to check that
python-dotenv returns every value intact (a multi-line PEM key included), and only then moved into
place. A crash leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values, set_key


class EnvFileError(ValueError):
    """A value cannot be stored in a ``.env`` file so that it reads back unchanged."""


def set_values(path: Path, values: Mapping[str, str]) -> None:
    """Add or replace ``values`` in the file, creating it with mode 0600 and keeping it 0600."""
    for key, value in values.items():
        if "'" in value or "\x00" in value:
            raise EnvFileError(f"{key} holds a character a .env file cannot quote (' or NUL)")
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=".env.", dir=directory)
    try:
        os.close(fd)
        os.chmod(staging, 0o600)
        if path.exists():
            shutil.copyfile(path, staging)
        for key, value in values.items():
            set_key(staging, key, value, quote_mode="always")
        os.chmod(staging, 0o600)
        _check_round_trip(Path(staging), values)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)


def _check_round_trip(path: Path, values: Mapping[str, str]) -> None:
    stored = dotenv_values(path)
    for key, value in values.items():
        if stored.get(key) != value:
            raise EnvFileError(f"{key} does not read back unchanged from a .env file")


def ensure_webhook_secret(path: Path) -> bool:
    """Generate a local WEBHOOK_SECRET when none is set anywhere; True when one was written."""
    if os.environ.get("WEBHOOK_SECRET") or (path.is_file() and dotenv_values(path).get("WEBHOOK_SECRET")):
        return False
    set_values(path, {"WEBHOOK_SECRET": secrets.token_urlsafe(32)})
    return True
