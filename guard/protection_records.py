"""What the branch-protection policy remembers in the state store: break-glass suspensions, and what the
guard last wrote to each branch (so it recognises its own change and never answers it with another write).
"""

from __future__ import annotations

from guard.state import StateStore
from policies.branch_protection.drift import Suspension
from policies.branch_protection.model import Protection

NAMESPACE = "branch_protection"


def suspension_key(repository: str) -> str:
    return f"suspension:{repository.lower()}"


def written_key(repository: str, branch: str) -> str:
    return f"written:{repository.lower()}:{branch}"


def read_suspension(state: StateStore, repository: str) -> Suspension | None:
    """The repository's latest break-glass, active or expired (the policy compares it with its clock)."""
    stored = state.get(NAMESPACE, suspension_key(repository))
    if not stored:
        return None
    return Suspension(float(stored["until"]), str(stored["by"]), str(stored["reason"]))


def suspension_started(state: StateStore, repository: str) -> float | None:
    """When the repository's latest break-glass began."""
    stored = state.get(NAMESPACE, suspension_key(repository))
    return float(stored["at"]) if stored else None


def save_suspension(state: StateStore, repository: str, suspension: Suspension, at: float) -> None:
    value = {"until": suspension.until, "by": suspension.by, "reason": suspension.reason, "at": at}
    state.put(NAMESPACE, suspension_key(repository), value)


def clear_suspension(state: StateStore, repository: str) -> None:
    state.delete(NAMESPACE, suspension_key(repository))


def read_written(state: StateStore, repository: str, branch: str) -> Protection | None:
    stored = state.get(NAMESPACE, written_key(repository, branch))
    return Protection.from_json(stored["protection"]) if stored else None


def save_written(state: StateStore, repository: str, branch: str, protection: Protection, at: float) -> None:
    value = {"protection": protection.to_json(), "at": at}
    state.put(NAMESPACE, written_key(repository, branch), value)
