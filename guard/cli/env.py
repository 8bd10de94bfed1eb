"""``guard env enrol OWNER/REPO ENV`` (or ``--org ORG ENV``): make the guard an environment's protection rule.

Enables the guard's App as a custom deployment protection rule on the environment, so every job that
uses it waits for the guard's verdict, then reports every environment (of the repository, or of every
repository of the organisation's installation) that holds secrets without the guard's rule. Exit 0 when
none is left unprotected, 1 otherwise, 2 for a usage or credentials problem. Needs the App's credentials.
"""

from __future__ import annotations

import argparse
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

from guard.cli.common import configured_settings
from guard.errors import TRANSIENT_ERRORS
from guard.github import Client, GitHub, GitHubError, NotFound
from guard.services import make_github


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("env", help="deployment environments: enrol the guard's protection rule")
    actions = parser.add_subparsers(dest="env_command", required=True, metavar="ACTION")
    enrol = actions.add_parser(
        "enrol",
        help="enable the guard as ENV's deployment protection rule; report environments with secrets "
        "that lack it (exit 1 if any)",
        description=__doc__,
    )
    enrol.add_argument("target", metavar="OWNER/REPO", nargs="?", help="one repository")
    enrol.add_argument("environment", metavar="ENV", help="the environment's name, e.g. production")
    enrol.add_argument("--org", metavar="ORG", help="every repository of the organisation's installation")
    enrol.set_defaults(run=run_enrol)


@dataclass(frozen=True)
class Environment:
    repository: str
    name: str
    guarded: bool
    secrets: int


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def environments(client: Client, repository: str, app_id: int) -> Iterator[Environment]:
    """Every environment of the repository: whether the guard's rule is enabled, how many secrets."""
    listed = client.paginate(f"/repos/{repository}/environments", item_key="environments")
    for item in listed:
        name = str(item["name"])
        base = f"/repos/{repository}/environments/{_quote(name)}"
        rules = client.get(f"{base}/deployment_protection_rules").data
        guarded = any(r["app"]["id"] == app_id for r in rules.get("custom_deployment_protection_rules", []))
        secrets = client.get(f"{base}/secrets", {"per_page": 1}).data
        yield Environment(repository, name, guarded, int(secrets.get("total_count") or 0))


def enrol(client: Client, repository: str, name: str, app_id: int) -> str:
    """Enable the guard's rule on one environment; says what happened."""
    found = {e.name: e for e in environments(client, repository, app_id)}
    if name not in found:
        return f"{repository}: no environment named {name!r}; create it first (Settings → Environments)"
    if found[name].guarded:
        return f"{repository}: {name}: the guard is already its deployment protection rule"
    path = f"/repos/{repository}/environments/{_quote(name)}/deployment_protection_rules"
    client.post(path, {"integration_id": app_id})
    return f"{repository}: {name}: the guard is now its deployment protection rule"


def _targets(github: GitHub, args: argparse.Namespace) -> tuple[Client, list[str]] | str:
    """The installation client and the repositories to enrol, or why there are none."""
    if args.org:
        try:
            installation = int(github.app().get(f"/orgs/{_quote(args.org)}/installation").data["id"])
        except NotFound:
            return f"the App is not installed on {args.org}"
        client = github.installation(installation)
        listed = client.paginate("/installation/repositories", item_key="repositories")
        return client, sorted(str(r["full_name"]) for r in listed)
    try:
        installation = int(github.app().get(f"/repos/{args.target}/installation").data["id"])
    except NotFound:
        return f"the App is not installed on {args.target} (or it does not exist)"
    return github.installation(installation), [args.target]


def run_enrol(args: argparse.Namespace) -> int:
    if bool(args.org) == bool(args.target) or (args.target and args.target.count("/") != 1):
        print("guard env enrol: give OWNER/REPO ENV, or --org ORG ENV")
        return 2
    github = make_github(configured_settings())
    if github is None:
        print("guard env enrol needs the App's credentials: set APP_ID and PRIVATE_KEY")
        return 2
    found = _targets(github, args)
    if isinstance(found, str):
        print(f"guard env enrol: {found}")
        return 1
    client, repositories = found
    app_id = int(github.app().get("/app").data["id"])
    unprotected = 0
    for repository in repositories:
        try:
            unprotected += _enrol_one(client, repository, args.environment, app_id, quiet=bool(args.org))
        except TRANSIENT_ERRORS:
            raise
        except GitHubError as exc:
            print(f"{repository}: not checked: {exc}")
            unprotected += 1
    return 1 if unprotected else 0


def _enrol_one(client: Client, repository: str, name: str, app_id: int, *, quiet: bool) -> int:
    """Enrol ``name`` in one repository and report its unprotected environments; returns their count."""
    result = enrol(client, repository, name, app_id)
    if not (quiet and "no environment named" in result):
        print(result)
    missing = [e for e in environments(client, repository, app_id) if e.secrets and not e.guarded]
    for environment in missing:
        print(
            f"{repository}: {environment.name} holds {environment.secrets} secret(s) without the guard's "
            f"rule: guard env enrol {repository} {environment.name}"
        )
    return len(missing)
