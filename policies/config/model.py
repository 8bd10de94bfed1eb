"""Where a setting came from, and what is wrong with a file: the small types every config module shares."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.StrEnum):
    """Configuration levels, weakest first: built-in defaults < organisation file < repository file."""

    DEFAULT = "default"
    ORG = "org"
    REPO = "repo"


@dataclass(frozen=True)
class Source:
    """The level, and for files the file, that set a value."""

    level: Level
    file: str | None = None

    def __str__(self) -> str:
        return str(self.level) if self.file is None else f"{self.level} ({self.file})"


DEFAULTS = Source(Level.DEFAULT)


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)``, shortened so that a hostile file cannot make messages huge."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit] + "…")
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True, order=True)
class Problem:
    """One error in a configuration file; ``str()`` gives ``file:line:column: message``."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"
