"""The handler table: routes by event and action, and the permissions the App must ask for."""

import pytest

from guard.routing import Router


def test_routes_match_their_event_and_only_the_listed_actions() -> None:
    router = Router()
    router.on("pull_request", "opened", "synchronize", policy="review")(lambda e, c: [])
    router.on("push", policy="protection")(lambda e, c: [])
    assert [r.policy for r in router.routes_for("pull_request", "opened")] == ["review"]
    assert router.routes_for("pull_request", "closed") == []
    assert [r.policy for r in router.routes_for("push", None)] == ["protection"]
    assert router.events() == {"pull_request", "push"}


def test_combined_permissions_take_the_highest_access_any_policy_needs() -> None:
    combined = Router.combine(
        Router(permissions={"checks": "write", "contents": "read"}),
        Router(permissions={"contents": "write", "actions": "read"}),
    )
    assert combined.permissions == {"checks": "write", "contents": "write", "actions": "read"}


def test_an_unknown_access_level_is_refused() -> None:
    with pytest.raises(ValueError, match="read or write"):
        Router(permissions={"checks": "admin"})
