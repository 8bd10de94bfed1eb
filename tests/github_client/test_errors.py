"""Which error an answer becomes, and when a rate-limited job may run again (on our clock)."""

from __future__ import annotations

import pytest

from guard.github import (
    Conflict,
    Forbidden,
    GitHubError,
    GitHubUnavailable,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from guard.github.errors import error_for

NOW = 1_800_000_000.0  # our clock: Fri, 15 Jan 2027 08:00:00 GMT
GITHUB_AHEAD = "Fri, 15 Jan 2027 08:02:00 GMT"  # GitHub's clock runs two minutes ahead of ours


def _rate(status: int, message: str, headers: dict[str, str]) -> RateLimited:
    error = error_for(status, {"message": message}, headers, NOW)
    assert isinstance(error, RateLimited)
    return error


def test_retry_after_comes_first() -> None:
    headers = {"retry-after": "30", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}
    assert _rate(429, "slow down", headers).retry_at == NOW + 30


def test_retry_after_may_be_an_http_date_read_against_githubs_clock() -> None:
    headers = {"retry-after": "Fri, 15 Jan 2027 08:02:45 GMT", "date": GITHUB_AHEAD}
    assert _rate(403, "You have exceeded a secondary rate limit", headers).retry_at == NOW + 45


def test_an_exhausted_budget_waits_for_the_reset_translated_to_our_clock() -> None:
    reset = int(NOW) + 120 + 900  # 15 minutes after GitHub's "now"
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset), "date": GITHUB_AHEAD}
    error = _rate(403, "API rate limit exceeded for installation ID 1.", headers)
    assert (error.kind, error.retry_at) == ("primary", NOW + 900)


def test_a_secondary_limit_without_headers_waits_a_minute() -> None:
    error = _rate(403, "You have exceeded a secondary rate limit. Please wait a few minutes.", {})
    assert (error.kind, error.retry_at) == ("secondary", NOW + 60)


def test_the_older_abuse_message_is_a_secondary_limit() -> None:
    assert _rate(403, "You have triggered an abuse detection mechanism.", {}).kind == "secondary"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (422, Unprocessable),
        (500, GitHubUnavailable),
        (502, GitHubUnavailable),
        (418, GitHubError),
    ],
)
def test_statuses_map_to_typed_errors(status: int, kind: type[GitHubError]) -> None:
    error = error_for(status, {"message": "m", "documentation_url": "https://docs.github.com/x"}, {}, NOW)
    assert type(error) is kind
    assert (error.status, error.message, error.documentation_url) == (
        status,
        "m",
        "https://docs.github.com/x",
    )


def test_validation_details_are_kept() -> None:
    body = {
        "message": "Validation Failed",
        "errors": [{"resource": "Label", "code": "invalid", "field": "color"}],
    }
    assert error_for(422, body, {}, NOW).errors == (
        {"resource": "Label", "code": "invalid", "field": "color"},
    )


def test_an_answer_without_a_json_body_still_says_what_happened() -> None:
    assert str(error_for(502, None, {}, NOW)) == "GitHub 502: HTTP 502"
