"""The writes the branch-protection policy asks for, as plain data (executed by ``guard.actions``).

Each carries the alert to raise once it is done, so the feed says what actually happened: the
executor adds the outcome (done, or GitHub's refusal) to that alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from policies.base import Action, AlertSpec

BACKUP_PREFIX = "guard/backup"


def backup_branch_name(branch: str, overwritten_sha: str) -> str:
    """Where a force push's overwritten commit is kept: ``guard/backup/<branch>/<first 12 of the sha>``."""
    return f"{BACKUP_PREFIX}/{branch}/{overwritten_sha[:12]}"


@dataclass(frozen=True)
class ApplyProtection(Action):
    """PUT the complete classic protection of a branch, then set or clear its signature requirement."""

    kind: ClassVar[str] = "apply_branch_protection"
    corrective: ClassVar[bool] = True

    repository: str
    branch: str
    body: Mapping[str, Any]
    signatures: bool | None
    alert: AlertSpec | None = None

    def describe(self) -> str:
        return f"apply the declared protection to {self.branch} in {self.repository}"


@dataclass(frozen=True)
class BackupBranch(Action):
    """Create a branch at a commit a force push overwrote, so its history stays reachable."""

    kind: ClassVar[str] = "backup_branch"

    repository: str
    name: str
    sha: str
    alert: AlertSpec | None = None

    def describe(self) -> str:
        return f"keep {self.sha[:12]} in {self.repository} as branch {self.name}"


@dataclass(frozen=True)
class RestoreBranch(Action):
    """Recreate a deleted branch at the commit it pointed to."""

    kind: ClassVar[str] = "restore_branch"
    corrective: ClassVar[bool] = True

    repository: str
    name: str
    sha: str
    alert: AlertSpec | None = None

    def describe(self) -> str:
        return f"recreate branch {self.name} in {self.repository} at {self.sha[:12]}"
