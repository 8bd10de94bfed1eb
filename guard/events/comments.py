"""Issue comment events: comments on issues and on pull requests (a pull request is an issue too)."""

from __future__ import annotations

from dataclasses import dataclass

from guard.events.common import Actor, Event, Repository, envelope, read_actor, read_repository
from guard.events.payload import Node


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueComment:
    """A comment; ``body`` is written by its author: never interpolate it into a shell or markup."""

    id: int
    body: str
    user: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueCommentEvent(Event):
    """``issue_comment``: ``created``, ``edited`` or ``deleted``; ``on_pull_request`` for pull requests."""

    repository: Repository
    sender: Actor
    number: int
    on_pull_request: bool
    comment: IssueComment


def read_comment(node: Node) -> IssueComment:
    return IssueComment(
        id=node.integer("id"), body=node.opt_text("body") or "", user=node.read("user", read_actor)
    )


def parse_issue_comment(name: str, root: Node) -> IssueCommentEvent:
    issue = root.child("issue")
    return IssueCommentEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        number=issue.integer("number"),
        on_pull_request=issue.opt_child("pull_request") is not None,
        comment=root.read("comment", read_comment),
    )
