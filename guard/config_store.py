"""The configuration in force for a repository: its organisation's and its own ``guard.yml``.

Both files are read from their repository's default branch only, never from a pull request. Each
file's layer is kept in the state store with the blob SHA it was read at, so a repository's
configuration costs no API call in the steady state; a push to a default branch that touches a
``guard.yml`` refreshes it (``guard/handlers/config.py``). A file that becomes invalid never replaces the
last valid layer: that stays in force, and an alert says so.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from guard.alerts import AlertContext, AlertStore
from guard.facts import FileAt, read_file
from guard.github import Client
from guard.state import StateStore
from policies.config import Adoption, EffectiveConfig, Layer, Level, Resolution, adopt, resolve

NAMESPACE = "config"
ORG_REPOSITORY = ".github"
ORG_FILE = "guard.yml"
REPO_FILE = ".github/guard.yml"
TOO_LARGE = b"\x00" * (1024 * 1024 + 1)  # refused by the loader's size limit with its usual message
_MEMO_SIZE = 512
T = TypeVar("T")


class ConfigInvalid(ValueError):
    """The configuration a decision depends on cannot be read as valid."""


@dataclass(frozen=True)
class ConfigFile:
    """Where one level's file lives: the repository holding it, the path, and the state key."""

    level: Level
    repository: str
    path: str

    @property
    def key(self) -> str:
        prefix = "org" if self.level is Level.ORG else "repo"
        owner = self.repository.split("/", 1)[0]
        return f"{prefix}:{(owner if self.level is Level.ORG else self.repository).lower()}"

    @classmethod
    def org(cls, owner: str) -> ConfigFile:
        return cls(Level.ORG, f"{owner}/{ORG_REPOSITORY}", ORG_FILE)

    @classmethod
    def repo(cls, repository: str) -> ConfigFile:
        return cls(Level.REPO, repository, REPO_FILE)


def stored_entry(adoption: Adoption, sha: str | None) -> dict[str, Any]:
    """What the state store keeps for a file: the layer in force and the blob SHA last read."""
    return {"layer": adoption.layer.to_json() if adoption.layer else None, "sha": sha}


def file_source(found: FileAt) -> bytes | None:
    """The bytes to judge: the content, or bytes the loader refuses as too large."""
    return TOO_LARGE if found.too_large else found.content


class ConfigStore:
    """Effective configurations, from layers cached by blob SHA in the state store."""

    def __init__(self, state: StateStore, alerts: AlertStore | None) -> None:
        self.state = state
        self.alerts = alerts
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def resolution(self, github: Client, repository: str) -> Resolution:
        """Defaults < organisation file < repository file, each from its default branch."""
        owner = repository.split("/", 1)[0]
        org = self.layer(github, ConfigFile.org(owner))
        repo = self.layer(github, ConfigFile.repo(repository))
        key = ("resolution", repository.lower(), org.sha if org else None, repo.sha if repo else None)
        return self._memoised(key, lambda: resolve(org, repo, repository=repository))

    def effective(self, github: Client, repository: str) -> EffectiveConfig:
        return self.resolution(github, repository).config

    def at_branch(self, github: Client, repository: str, branch: str, default_branch: str) -> EffectiveConfig:
        """The configuration a pull request into ``branch`` is judged by: the repository file as that
        branch has it (the organisation file always from its default branch). An invalid file there
        raises ``ConfigInvalid``: a policy that depends on it must fail closed, not fall back to defaults."""
        if branch == default_branch:
            return self.effective(github, repository)
        found = read_file(github, repository, REPO_FILE, ref=branch)
        parsed = adopt(None, file_source(found), file=REPO_FILE, level=Level.REPO, sha=found.sha)
        if not parsed.adopted:
            problems = "; ".join(str(problem) for problem in parsed.problems[:3])
            raise ConfigInvalid(f"{REPO_FILE} on branch {branch} is invalid: {problems}")
        org = self.layer(github, ConfigFile.org(repository.split("/", 1)[0]))
        key = ("branch", repository.lower(), branch, org.sha if org else None, found.sha)
        return self._memoised(key, lambda: resolve(org, parsed.layer, repository=repository).config)

    def organisation(self, github: Client, owner: str) -> EffectiveConfig:
        """The organisation file's configuration alone (what every repository inherits)."""
        org = self.layer(github, ConfigFile.org(owner))
        return self._memoised(("org", owner.lower(), org.sha if org else None), lambda: resolve(org).config)

    def layer(self, github: Client, file: ConfigFile) -> Layer | None:
        """The layer in force for ``file``: stored, or read once from the default branch."""
        stored = self.state.get(NAMESPACE, file.key)
        if stored is None:
            found = read_file(github, file.repository, file.path)
            adoption = adopt(
                None,
                file_source(found),
                file=file.path,
                level=file.level,
                repository=file.repository,
                sha=found.sha,
            )
            stored = stored_entry(adoption, found.sha)
            self.state.put(NAMESPACE, file.key, stored)
            self._raise(adoption, file)
        data = stored.get("layer")
        if data is None:
            return None
        return self._memoised(("layer", file.key, data.get("sha")), lambda: Layer.from_json(data))

    def _raise(self, adoption: Adoption, file: ConfigFile) -> None:
        if self.alerts is None:
            return
        for alert in adoption.alerts:
            self.alerts.raise_alert(alert, AlertContext(organisation=file.repository.split("/", 1)[0]))

    def _memoised(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                found: T = self._memo[key]
                return found
        value = build()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
        return value
