"""People on the double: organisation members and owners, teams, and who is signed in on the web."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from tests.github_double.state import State, Team, UserToken

USER_TOKEN_LIFETIME = 28800


class PeopleMixin:
    """``add_member``, ``add_team`` and ``sign_in`` for ``GitHubDouble``."""

    state: State
    now: Callable[[], float]

    def add_member(self, org: str, login: str, *, role: str = "member") -> None:
        """Make ``login`` an active member of ``org`` (``role="admin"``: an owner)."""
        with self.state.lock:
            organisation = self.state.account(org)
            self.state.account(login, "User")
            self.state.org_roles.setdefault(organisation.login.lower(), {})[login.lower()] = role

    def add_team(
        self, org: str, slug: str, members: Iterable[str] = (), *, pending: Iterable[str] = ()
    ) -> Team:
        """A team of ``org`` with active ``members`` and invited (``pending``) ones."""
        with self.state.lock:
            organisation = self.state.account(org)
            team = Team(id=self.state.next_id(), org=organisation, slug=slug)
            for login, state in [*((m, "active") for m in members), *((p, "pending") for p in pending)]:
                self.state.account(login, "User")
                team.members[login.lower()] = (login, "member", state)
                if state == "active":
                    self.state.org_roles.setdefault(organisation.login.lower(), {}).setdefault(
                        login.lower(), "member"
                    )
            self.state.teams[(organisation.login.lower(), slug.lower())] = team
            return team

    def remove_from_team(self, org: str, slug: str, login: str) -> None:
        with self.state.lock:
            self.state.teams[(org.lower(), slug.lower())].members.pop(login.lower(), None)

    def sign_in(self, login: str | None) -> None:
        """Who the browser is signed in as on the double's web site (None: nobody)."""
        with self.state.lock:
            if login is not None:
                self.state.account(login, "User")
            self.state.web_user = login

    def user_token(self, login: str) -> str:
        """A user access token for ``login``, as the OAuth flow would hand the App."""
        with self.state.lock:
            self.state.account(login, "User")
            token = UserToken("ghu_" + secrets.token_hex(18), login, self.now() + USER_TOKEN_LIFETIME)
            self.state.user_tokens[token.value] = token
            return token.value
