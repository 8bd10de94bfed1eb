"""Turn a stored delivery (event name and JSON payload) into a typed, immutable event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from guard.events import actions, admin, checks, comments, protection, pulls, push
from guard.events.common import Event, parse_generic
from guard.events.payload import EventError, Node, freeze_object

Parser = Callable[[str, Node], Event]

PARSERS: Mapping[str, Parser] = MappingProxyType(
    {
        "push": push.parse_push,
        "pull_request": pulls.parse_pull_request,
        "pull_request_review": pulls.parse_pull_request_review,
        "workflow_run": actions.parse_workflow_run,
        "workflow_job": actions.parse_workflow_job,
        "deployment_protection_rule": actions.parse_deployment_protection_rule,
        "branch_protection_rule": protection.parse_branch_protection_rule,
        "repository_ruleset": protection.parse_repository_ruleset,
        "repository": admin.parse_repository,
        "installation": admin.parse_installation,
        "installation_repositories": admin.parse_installation_repositories,
        "check_run": checks.parse_check_run,
        "issue_comment": comments.parse_issue_comment,
        "check_suite": checks.parse_check_suite,
        "merge_group": checks.parse_merge_group,
        "ping": admin.parse_ping,
    }
)
"""The events modelled here, by ``X-GitHub-Event`` name; any other name parses as ``GenericEvent``."""


def parse_event(name: str, payload: Mapping[str, Any]) -> Event:
    """Parse one delivery; a payload that is not a valid ``name`` event raises ``EventError``.

    The error names the event and the field path at fault, e.g.
    ``push event: 'commits[0].id' is missing``; retrying the same delivery will fail the same way.
    """
    try:
        root = Node(freeze_object(payload))
        return PARSERS.get(name, parse_generic)(name, root)
    except EventError as error:
        raise EventError(error.path, error.problem, event=name) from None
