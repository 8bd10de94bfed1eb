"""Who the guard is on GitHub: its App's numeric id and slug, read once per process from ``GET /app``.

Policies need both: the id pins the guard's own required check to its App, and the bot login
``<slug>[bot]`` recognises changes the guard itself made (so it never answers its own writes).
``APP_ID`` may hold the App's client ID instead of its number, hence the lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from guard.github import GitHub


@dataclass(frozen=True)
class AppInfo:
    """The guard's App: ``id`` as GitHub numbers it, ``slug`` as in ``github.com/apps/<slug>``."""

    id: int
    slug: str

    @property
    def bot_login(self) -> str:
        """The account the App acts as in webhook ``sender`` fields."""
        return f"{self.slug}[bot]"


class AppInfoCache:
    """``GET /app`` (as the App, with its JWT) once; the answer never changes for a set of credentials."""

    def __init__(self, github: Callable[[], GitHub | None]) -> None:
        self._github = github
        self._found: tuple[GitHub, AppInfo] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> AppInfo | None:
        """The guard's App, or None without App credentials; GitHub's errors propagate (transients retry).

        Asked again when the credentials change (a registration while the guard runs).
        """
        github = self._github()
        if github is None:
            return None
        with self._lock:
            if self._found is None or self._found[0] is not github:
                data = github.app().get("/app").data
                self._found = (github, AppInfo(int(data["id"]), str(data["slug"])))
            return self._found[1]
