"""Who may read the alert feed and the status page: owners and ``alerts.readers`` team members.

For every organisation the App is installed on (and ``GUARD_ALLOWED_ORGS`` serves), the organisation's
``guard.yml`` names the reader teams (``alerts.readers``). With the installation's token the guard asks
``GET /orgs/{org}/memberships/{user}`` (an active ``admin`` is an owner) and
``GET /orgs/{org}/teams/{team}/memberships/{user}`` (only an ``active`` membership counts; an invitation
does not). A check that fails is never guessed: that organisation is not admitted, and the reason is kept
for the refusal page.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from guard.alerts import AlertStore
from guard.config_store import ConfigStore
from guard.github import Client, GitHubError, NotFound
from guard.services import Services
from guard.state import StateStore


@dataclass(frozen=True)
class Admission:
    """The organisations whose alerts ``login`` may read, and why others could not be checked."""

    login: str
    organisations: tuple[str, ...]
    problems: tuple[str, ...] = ()

    @property
    def admitted(self) -> bool:
        return bool(self.organisations)


def admit(services: Services, login: str) -> Admission:
    """Check ``login`` against every served organisation's owners and reader teams."""
    github = services.github
    if github is None:
        return Admission(login, (), ("the guard has no GitHub App yet, so membership cannot be checked",))
    try:
        installations = list(github.app().paginate("/app/installations"))
    except GitHubError as exc:
        return Admission(login, (), (f"GitHub did not list the App's installations ({exc})",))
    config = ConfigStore(StateStore(services.db), AlertStore(services.db))
    admitted: list[str] = []
    problems: list[str] = []
    for organisation, installation_id in _organisations(services, installations):
        try:
            if _reads(github.installation(installation_id), config, organisation, login):
                admitted.append(organisation)
        except GitHubError as exc:
            problems.append(f"membership in {organisation} could not be checked ({exc})")
    return Admission(login, tuple(admitted), tuple(problems))


def _organisations(services: Services, installations: list[Any]) -> list[tuple[str, int]]:
    """(organisation, installation id) for each active organisation installation the guard serves."""
    found = []
    for installation in installations:
        account = installation.get("account") or {} if isinstance(installation, dict) else {}
        organisation = account.get("login")
        if (
            isinstance(organisation, str)
            and account.get("type") == "Organization"
            and installation.get("suspended_at") is None
            and services.settings.serves_org(organisation)
        ):
            found.append((organisation, int(installation["id"])))
    return found


def _reads(client: Client, config: ConfigStore, organisation: str, login: str) -> bool:
    if _is_owner(client, organisation, login):
        return True
    readers = config.organisation(client, organisation).alerts.readers
    return any(_in_team(client, organisation, team, login) for team in readers)


def _is_owner(client: Client, organisation: str, login: str) -> bool:
    data = _membership(client, f"/orgs/{_quote(organisation)}/memberships/{_quote(login)}")
    return data.get("state") == "active" and data.get("role") == "admin"


def _in_team(client: Client, organisation: str, team: str, login: str) -> bool:
    path = f"/orgs/{_quote(organisation)}/teams/{_quote(team)}/memberships/{_quote(login)}"
    return _membership(client, path).get("state") == "active"


def _membership(client: Client, path: str) -> dict[str, Any]:
    """The membership object, or an empty one when GitHub says there is none (404)."""
    try:
        data = client.get(path).data
    except NotFound:
        return {}
    return data if isinstance(data, dict) else {}


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")
