"""The parts every event shares: actors, repositories, pull-request references and the envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypedDict

from guard.events.payload import Json, Node


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A GitHub account: ``type`` is ``User``, ``Bot``, ``Organization``, ``Mannequin``, or
    ``Enterprise`` for an installation on an enterprise."""

    id: int
    login: str
    type: str

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot"


@dataclass(frozen=True, slots=True, kw_only=True)
class Repository:
    """A repository as webhooks describe it in full; ``owner`` is the owner's login and
    ``visibility`` (``public``, ``private``, ``internal``) is absent from older payloads."""

    id: int
    name: str
    full_name: str
    owner: str
    private: bool
    visibility: str | None
    fork: bool
    archived: bool
    default_branch: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoRef:
    """A repository named by id and full name only, as in ``workflow_run.head_repository``."""

    id: int
    full_name: str
    fork: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchRef:
    """One side of a pull request; ``repo_id`` is ``None`` when the head fork was deleted."""

    ref: str
    sha: str
    repo_id: int | None
    repo_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequestRef:
    """A pull request as listed inside workflow runs, check runs and deployment protection rules."""

    id: int
    number: int
    head: BranchRef
    base: BranchRef

    @property
    def from_fork(self) -> bool:
        """True unless the head is known to live in the base repository (fails closed)."""
        return self.head.repo_id is None or self.head.repo_id != self.base.repo_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """What every delivery carries; ``action`` is kept as sent, even when GitHub adds new ones.

    ``payload`` is the whole delivery as read-only JSON, for the rare field not modelled here.
    """

    name: str
    action: str | None
    installation_id: int | None
    organization: str | None
    repository: Repository | None
    sender: Actor | None
    payload: Mapping[str, Json] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenericEvent(Event):
    """An event this module does not model; only the envelope is read."""


class Envelope(TypedDict):
    """The envelope fields every parser passes on unchanged."""

    name: str
    action: str | None
    installation_id: int | None
    organization: str | None
    payload: Mapping[str, Json]


def envelope(name: str, root: Node) -> Envelope:
    installation = root.opt_child("installation")
    organization = root.opt_child("organization")
    return Envelope(
        name=name,
        action=root.opt_text("action"),
        installation_id=None if installation is None else installation.integer("id"),
        organization=None if organization is None else organization.text("login"),
        payload=root.data,
    )


def parse_generic(name: str, root: Node) -> GenericEvent:
    return GenericEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
    )


def read_actor(node: Node) -> Actor:
    return Actor(id=node.integer("id"), login=node.text("login"), type=node.text("type"))


def read_repository(node: Node) -> Repository:
    return Repository(
        id=node.integer("id"),
        name=node.text("name"),
        full_name=node.text("full_name"),
        owner=node.child("owner").text("login"),
        private=node.flag("private"),
        visibility=node.opt_text("visibility"),
        fork=node.flag("fork"),
        archived=node.flag("archived"),
        default_branch=node.text("default_branch"),
    )


def read_repo_ref(node: Node) -> RepoRef:
    return RepoRef(id=node.integer("id"), full_name=node.text("full_name"), fork=node.opt_flag("fork"))


def read_branch_ref(node: Node) -> BranchRef:
    repo = node.opt_child("repo")
    return BranchRef(
        ref=node.text("ref"),
        sha=node.text("sha"),
        repo_id=None if repo is None else repo.integer("id"),
        repo_name=None if repo is None else repo.text("name"),
    )


def read_pull_request_ref(node: Node) -> PullRequestRef:
    return PullRequestRef(
        id=node.integer("id"),
        number=node.integer("number"),
        head=node.read("head", read_branch_ref),
        base=node.read("base", read_branch_ref),
    )


def previous_values(node: Node | None) -> Mapping[str, Json]:
    """Flatten ``changes`` into dotted field paths and their previous (``from``) values.

    ``{"base": {"ref": {"from": "main"}}}`` becomes ``{"base.ref": "main"}``.
    """
    found: dict[str, Json] = {}
    if node is not None:
        _collect_from(node.data, "", found)
    return MappingProxyType(found)


def _collect_from(data: Mapping[str, Json], prefix: str, found: dict[str, Json]) -> None:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            if "from" in value:
                found[path] = value["from"]
            else:
                _collect_from(value, path, found)


def previous_text(changes: Mapping[str, Json], path: str) -> str | None:
    """A previous value from ``previous_values`` when it is a string."""
    value = changes.get(path)
    return value if isinstance(value, str) else None
