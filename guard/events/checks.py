"""Checks and merge queue events: check runs, check suites and merge groups."""

from __future__ import annotations

from dataclasses import dataclass

from guard.events.common import (
    Actor,
    Event,
    PullRequestRef,
    Repository,
    envelope,
    read_actor,
    read_pull_request_ref,
    read_repository,
)
from guard.events.payload import Node


@dataclass(frozen=True, slots=True, kw_only=True)
class App:
    """The GitHub App that owns a check; compare ``id`` to trust a check, never its name."""

    id: int
    slug: str | None
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRun:
    """A check run; ``pull_requests`` lists only pull requests whose head is in this repository."""

    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    external_id: str | None
    app: App | None
    check_suite_id: int | None
    pull_requests: tuple[PullRequestRef, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRunEvent(Event):
    """``check_run``; ``requested_action`` is the button identifier on ``requested_action``."""

    repository: Repository
    sender: Actor
    check_run: CheckRun
    requested_action: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSuite:
    """A check suite: the checks one App runs on one head commit."""

    id: int
    head_sha: str
    head_branch: str | None
    before: str | None
    after: str | None
    status: str | None
    conclusion: str | None
    app: App | None
    pull_requests: tuple[PullRequestRef, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSuiteEvent(Event):
    """``check_suite``: ``requested``, ``rerequested`` or ``completed``."""

    repository: Repository
    sender: Actor
    check_suite: CheckSuite


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeGroup:
    """A merge queue group; checks must be reported on ``head_sha`` or the queue stalls."""

    head_sha: str
    head_ref: str
    base_sha: str
    base_ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeGroupEvent(Event):
    """``merge_group``: ``checks_requested`` or ``destroyed`` (with ``reason``)."""

    merge_group: MergeGroup
    reason: str | None


def read_app(node: Node) -> App:
    return App(id=node.integer("id"), slug=node.opt_text("slug"), name=node.text("name"))


def read_check_run(node: Node) -> CheckRun:
    suite = node.opt_child("check_suite")
    return CheckRun(
        id=node.integer("id"),
        name=node.text("name"),
        head_sha=node.text("head_sha"),
        status=node.text("status"),
        conclusion=node.opt_text("conclusion"),
        external_id=node.opt_text("external_id"),
        app=node.opt_read("app", read_app),
        check_suite_id=None if suite is None else suite.integer("id"),
        pull_requests=node.each("pull_requests", read_pull_request_ref),
    )


def parse_check_run(name: str, root: Node) -> CheckRunEvent:
    requested = root.opt_child("requested_action")
    return CheckRunEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        check_run=root.read("check_run", read_check_run),
        requested_action=None if requested is None else requested.text("identifier"),
    )


def read_check_suite(node: Node) -> CheckSuite:
    return CheckSuite(
        id=node.integer("id"),
        head_sha=node.text("head_sha"),
        head_branch=node.opt_text("head_branch"),
        before=node.opt_text("before"),
        after=node.opt_text("after"),
        status=node.opt_text("status"),
        conclusion=node.opt_text("conclusion"),
        app=node.opt_read("app", read_app),
        pull_requests=node.each("pull_requests", read_pull_request_ref),
    )


def parse_check_suite(name: str, root: Node) -> CheckSuiteEvent:
    return CheckSuiteEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        check_suite=root.read("check_suite", read_check_suite),
    )


def read_merge_group(node: Node) -> MergeGroup:
    return MergeGroup(
        head_sha=node.text("head_sha"),
        head_ref=node.text("head_ref"),
        base_sha=node.text("base_sha"),
        base_ref=node.text("base_ref"),
    )


def parse_merge_group(name: str, root: Node) -> MergeGroupEvent:
    return MergeGroupEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
        merge_group=root.read("merge_group", read_merge_group),
        reason=root.opt_text("reason"),
    )
