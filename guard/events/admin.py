"""Events about the App's installations, the repositories it sees, and its webhook (ping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from guard.events.common import (
    Actor,
    Event,
    Repository,
    envelope,
    previous_text,
    previous_values,
    read_actor,
    read_repository,
)
from guard.events.payload import Json, Node


@dataclass(frozen=True, slots=True, kw_only=True)
class InstalledRepository:
    """A repository an installation gained or lost access to."""

    id: int
    name: str
    full_name: str
    private: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Installation:
    """An installation of the App; an enterprise ``account`` reads as an ``Enterprise`` actor
    whose login is the enterprise slug."""

    id: int
    app_id: int | None
    app_slug: str | None
    account: Actor | None
    target_type: str | None
    repository_selection: str | None
    permissions: Mapping[str, str]
    events: tuple[str, ...]
    suspended_at: datetime | None
    suspended_by: Actor | None


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallationEvent(Event):
    """``installation``: ``created``, ``deleted``, ``suspend``, ``unsuspend``, ``new_permissions_accepted``…

    ``installation_id`` and ``installation.id`` are the same.
    """

    sender: Actor
    installation: Installation
    repositories: tuple[InstalledRepository, ...]
    requester: Actor | None


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallationRepositoriesEvent(Event):
    """``installation_repositories``: repositories ``added`` to or ``removed`` from an installation."""

    sender: Actor
    installation: Installation
    repository_selection: str
    repositories_added: tuple[InstalledRepository, ...]
    repositories_removed: tuple[InstalledRepository, ...]
    requester: Actor | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoryEvent(Event):
    """``repository``: ``created``, ``edited``, ``renamed``, ``transferred``, ``privatized``…

    ``changes`` maps each changed field's dotted path to its previous value.
    """

    repository: Repository
    sender: Actor
    changes: Mapping[str, Json]
    previous_default_branch: str | None
    previous_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hook:
    """The webhook being pinged; ``app_id`` is set only for a GitHub App's webhook."""

    id: int
    type: str | None
    app_id: int | None
    active: bool | None
    events: tuple[str, ...]
    content_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PingEvent(Event):
    """``ping``: sent when a webhook is created; it has no action."""

    zen: str
    hook_id: int
    hook: Hook | None


def read_account(node: Node) -> Actor:
    """An installation account: a user or organization, or an enterprise (which has a slug, no login)."""
    if "login" not in node.data and "slug" in node.data:
        return Actor(id=node.integer("id"), login=node.text("slug"), type="Enterprise")
    return read_actor(node)


def read_installation(node: Node) -> Installation:
    return Installation(
        id=node.integer("id"),
        app_id=node.opt_integer("app_id"),
        app_slug=node.opt_text("app_slug"),
        account=node.opt_read("account", read_account),
        target_type=node.opt_text("target_type"),
        repository_selection=node.opt_text("repository_selection"),
        permissions=node.text_map("permissions"),
        events=node.texts("events", required=False),
        suspended_at=node.time("suspended_at"),
        suspended_by=node.opt_read("suspended_by", read_actor),
    )


def read_installed_repository(node: Node) -> InstalledRepository:
    return InstalledRepository(
        id=node.integer("id"),
        name=node.text("name"),
        full_name=node.text("full_name"),
        private=node.opt_flag("private"),
    )


def parse_installation(name: str, root: Node) -> InstallationEvent:
    return InstallationEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.read("sender", read_actor),
        installation=root.read("installation", read_installation),
        repositories=root.each("repositories", read_installed_repository, required=False),
        requester=root.opt_read("requester", read_actor),
    )


def parse_installation_repositories(name: str, root: Node) -> InstallationRepositoriesEvent:
    return InstallationRepositoriesEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.read("sender", read_actor),
        installation=root.read("installation", read_installation),
        repository_selection=root.text("repository_selection"),
        repositories_added=root.each("repositories_added", read_installed_repository),
        repositories_removed=root.each("repositories_removed", read_installed_repository),
        requester=root.opt_read("requester", read_actor),
    )


def parse_repository(name: str, root: Node) -> RepositoryEvent:
    changes = previous_values(root.opt_child("changes"))
    return RepositoryEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        changes=changes,
        previous_default_branch=previous_text(changes, "default_branch"),
        previous_name=previous_text(changes, "repository.name"),
    )


def read_hook(node: Node) -> Hook:
    config = node.opt_child("config")
    return Hook(
        id=node.integer("id"),
        type=node.opt_text("type"),
        app_id=node.opt_integer("app_id"),
        active=node.opt_flag("active"),
        events=node.texts("events", required=False),
        content_type=None if config is None else config.opt_text("content_type"),
    )


def parse_ping(name: str, root: Node) -> PingEvent:
    return PingEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
        zen=root.text("zen"),
        hook_id=root.integer("hook_id"),
        hook=root.opt_read("hook", read_hook),
    )
