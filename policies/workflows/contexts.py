"""Which expression contexts an outsider controls, and which ones name a pull request's head.

Free text an outsider writes comes from ``untrusted_contexts.json``, generated from GitHub's webhook
schemas by ``scripts/generate_untrusted_contexts.py``. The tables of pull-request heads below are not
in any schema: they say which values select the contributor's code when used as a checkout ref.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

Path = tuple[str, ...]


class Head(enum.Enum):
    """How a value identifies a pull request's code."""

    SHA = "sha"  # an immutable commit of the contributor's
    BRANCH = "branch"  # a branch name: the contributor's code only in the contributor's repository
    NUMBER = "number"  # a pull request number: refs/pull/N/head is the head at run time
    REPOSITORY = "repository"  # the contributor's repository (the fork)


_HEADS: Mapping[str, Head] = {
    "github.event.pull_request.head.sha": Head.SHA,
    "github.event.pull_request.merge_commit_sha": Head.SHA,
    "github.event.workflow_run.head_sha": Head.SHA,
    "github.event.workflow_run.head_commit.id": Head.SHA,
    "github.event.check_suite.head_sha": Head.SHA,
    "github.event.check_run.head_sha": Head.SHA,
    "github.event.review.commit_id": Head.SHA,
    "github.event.pull_request.head.ref": Head.BRANCH,
    "github.event.pull_request.head.label": Head.BRANCH,
    "github.head_ref": Head.BRANCH,
    "github.event.workflow_run.head_branch": Head.BRANCH,
    "github.event.number": Head.NUMBER,
    "github.event.pull_request.number": Head.NUMBER,
    "github.event.issue.number": Head.NUMBER,
    "github.event.workflow_run.pull_requests.*.number": Head.NUMBER,
    "github.event.pull_request.head.repo.full_name": Head.REPOSITORY,
    "github.event.pull_request.head.repo.clone_url": Head.REPOSITORY,
    "github.event.pull_request.head.repo.ssh_url": Head.REPOSITORY,
    "github.event.pull_request.head.repo.git_url": Head.REPOSITORY,
    "github.event.pull_request.head.repo.html_url": Head.REPOSITORY,
    "github.event.pull_request.head.repo.name": Head.REPOSITORY,
    "github.event.pull_request.head.repo.owner.login": Head.REPOSITORY,
    "github.event.pull_request.head.user.login": Head.REPOSITORY,
    "github.event.workflow_run.head_repository.full_name": Head.REPOSITORY,
    "github.event.workflow_run.head_repository.clone_url": Head.REPOSITORY,
    "github.event.workflow_run.head_repository.html_url": Head.REPOSITORY,
    "github.event.workflow_run.head_repository.name": Head.REPOSITORY,
    "github.event.workflow_run.head_repository.owner.login": Head.REPOSITORY,
}


# Workflow triggers whose ``github.event`` is another webhook event's payload.
_TRIGGER_PAYLOADS: Mapping[str, str] = {"pull_request_target": "pull_request"}


@dataclass(frozen=True)
class Untrusted:
    """An outsider-written context and the events whose payloads carry it."""

    path: str
    events: frozenset[str]


@cache
def _catalogue() -> tuple[dict[Path, frozenset[str]], frozenset[Path]]:
    text = resources.files(__package__).joinpath("untrusted_contexts.json").read_text(encoding="utf-8")
    data = json.loads(text)
    fields: dict[Path, frozenset[str]] = {
        tuple(path.split(".")): _with_aliases(events) for path, events in data["contexts"].items()
    }
    for path in data["extra"]:
        fields[tuple(path.split("."))] = frozenset(
            {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}
        )
    prefixes = frozenset(path[:i] for path in fields for i in range(3, len(path)))
    return fields, prefixes


def _with_aliases(events: list[str]) -> frozenset[str]:
    """Webhook event names plus the workflow triggers that receive the same payload."""
    found = set(events)
    for trigger, payload in _TRIGGER_PAYLOADS.items():
        if payload in found:
            found.add(trigger)
    return frozenset(found)


def _normalise(path: Path) -> Path:
    return tuple("*" if part.isdigit() else part for part in path)


@lru_cache(maxsize=4096)
def untrusted(path: Path) -> Untrusted | None:
    """The outsider-written field (or object holding such fields) that ``path`` reads, if any."""
    fields, prefixes = _catalogue()
    path = _normalise(path)
    if path in fields:
        return Untrusted(".".join(path), fields[path])
    if path in prefixes or path in (("github",), ("github", "event")):
        events = frozenset(e for f, ev in fields.items() if f[: len(path)] == path for e in ev)
        return Untrusted(".".join(path), events)
    return None


@lru_cache(maxsize=4096)
def head(path: Path) -> Head | None:
    """How ``path`` identifies a pull request's code, if it does."""
    return _HEADS.get(".".join(_normalise(path)))
