"""People on the double: organisation members and owners, team invitations, who is signed in on the web."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from tests.github_double.state import State, UserToken

USER_TOKEN_LIFETIME = 28800


class PeopleMixin:
    """``add_member``, ``invite_to_team``, ``sign_in`` and ``user_token`` for ``GitHubDouble``."""

    state: State
    now: Callable[[], float]

    def add_member(self, org: str, login: str, *, role: str = "member") -> None:
        """Make ``login`` an active member of ``org`` (``role="admin"``: an owner)."""
        with self.state.lock:
            organisation = self.state.account(org)
            self.state.account(login, "User")
            self.state.org_roles.setdefault(organisation.login.lower(), {})[login.lower()] = role

    def invite_to_team(self, org: str, slug: str, login: str) -> None:
        """Invite ``login`` to an existing team: a pending membership until they accept."""
        with self.state.lock:
            team = self.state.teams[(self.state.account(org).id, slug.lower())]
            team.pending.add(self.state.user(login).login.lower())

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
