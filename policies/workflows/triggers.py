"""The trigger model: which events start a workflow, which of them an outsider can cause, and what a run
started by each of them may hold (secrets, a write-capable token).

Facts are GitHub's documented behaviour for public repositories with default settings:
``pull_request_target``, ``workflow_run``, ``issue_comment``, ``issues``, ``discussion``,
``discussion_comment``, ``fork`` and ``watch`` run the default branch's workflow with secrets and the
repository's token whoever caused them; ``pull_request`` and the review events run a fork's pull
request without secrets and with a read-only token, but a review or review comment on a pull request
from a branch of the repository itself runs with both, and anyone may write one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

from policies.yaml_source import Mapping, Node, Scalar, Sequence


class Reach(enum.Enum):
    """Who can cause an event, and with what the run starts."""

    OUTSIDER_PRIVILEGED = "an outsider can start it, and it runs with secrets and the repository's token"
    OUTSIDER_UNPRIVILEGED = "an outsider's fork runs without secrets and with a read-only token"
    REVIEW = "anyone may review; runs on the repository's own branches get secrets and the token"
    WRITER = "only people with write access can start it"
    CALLER = "inherits the trigger of the workflow that calls it"


_REACH: MappingABC[str, Reach] = {
    "pull_request_target": Reach.OUTSIDER_PRIVILEGED,
    "workflow_run": Reach.OUTSIDER_PRIVILEGED,
    "issue_comment": Reach.OUTSIDER_PRIVILEGED,
    "issues": Reach.OUTSIDER_PRIVILEGED,
    "discussion": Reach.OUTSIDER_PRIVILEGED,
    "discussion_comment": Reach.OUTSIDER_PRIVILEGED,
    "fork": Reach.OUTSIDER_PRIVILEGED,
    "watch": Reach.OUTSIDER_PRIVILEGED,
    "pull_request": Reach.OUTSIDER_UNPRIVILEGED,
    "pull_request_review": Reach.REVIEW,
    "pull_request_review_comment": Reach.REVIEW,
    "workflow_call": Reach.CALLER,
}

# Events whose actor is the outsider themself; for the comment events the actor is the commenter, who
# may be a maintainer approving someone else's pull request.
ACTOR_IS_AUTHOR = frozenset({"pull_request_target", "workflow_run", "issues", "discussion", "fork", "watch"})
# Events that start a run only on a maintainer's say-so, but may then act on a pull request's code.
APPROVAL_EVENTS = frozenset({"workflow_dispatch", "repository_dispatch"})
DEFAULT_TYPES: MappingABC[str, frozenset[str]] = {
    "pull_request_target": frozenset({"opened", "synchronize", "reopened"}),
    "pull_request": frozenset({"opened", "synchronize", "reopened"}),
}


@dataclass(frozen=True)
class Trigger:
    """One event in ``on:``; ``types`` is ``None`` when the event's default activity types apply."""

    event: str
    node: Node
    types: frozenset[str] | None
    workflows: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()

    @property
    def reach(self) -> Reach:
        return _REACH.get(self.event, Reach.WRITER)

    def fires_on(self, activity: str) -> bool:
        """Whether the activity type (``synchronize``, ``labeled``...) starts this trigger."""
        if self.types is not None:
            return activity in self.types
        return activity in DEFAULT_TYPES.get(self.event, frozenset({activity}))


def parse_triggers(on: Node | None) -> tuple[Trigger, ...]:
    """The events of an ``on:`` value in any of its three spellings (string, list, mapping)."""
    if isinstance(on, Scalar):
        return (Trigger(on.text, on, None),)
    if isinstance(on, Sequence):
        return tuple(Trigger(item.text, item, None) for item in on.items if isinstance(item, Scalar))
    if isinstance(on, Mapping):
        return tuple(_trigger(key, value) for key, value in on.pairs)
    return ()


def _trigger(key: Scalar, value: Node) -> Trigger:
    if not isinstance(value, Mapping):
        return Trigger(key.text, key, None)
    return Trigger(
        key.text,
        key,
        _strings(value.get("types")),
        tuple(sorted(_strings(value.get("workflows")) or ())),
        tuple(_input_names(value.get("inputs"))),
    )


def _strings(node: Node | None) -> frozenset[str] | None:
    if isinstance(node, Scalar):
        return frozenset({node.text})
    if isinstance(node, Sequence):
        return frozenset(item.text for item in node.items if isinstance(item, Scalar))
    return None


def _input_names(node: Node | None) -> list[str]:
    return node.keys() if isinstance(node, Mapping) else []


def fork_reachable(triggers: tuple[Trigger, ...]) -> tuple[Trigger, ...]:
    """The triggers an outsider (a fork's author, a commenter, an issue opener) can cause."""
    outsider = (Reach.OUTSIDER_PRIVILEGED, Reach.OUTSIDER_UNPRIVILEGED, Reach.REVIEW)
    return tuple(t for t in triggers if t.reach in outsider)


def privileged(triggers: tuple[Trigger, ...]) -> tuple[Trigger, ...]:
    """The outsider-reachable triggers whose runs hold secrets and a write-capable token."""
    return tuple(t for t in triggers if t.reach in (Reach.OUTSIDER_PRIVILEGED, Reach.REVIEW))
