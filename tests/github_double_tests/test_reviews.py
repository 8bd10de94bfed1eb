"""Reviews, reviewer requests, labels, teams and pull request listings answer as GitHub does."""

from __future__ import annotations

from tests.github_double.double import GitHubDouble
from tests.github_double_tests.conftest import Caller

REVIEWS = "/repos/acme/widgets/pulls/1/reviews"


def test_reviews_are_listed_oldest_first_with_the_commit_they_were_given_on(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    approved_on = github_double.head("acme/widgets", "feature")
    first = github_double.review_pull("acme/widgets", 1, "reviewer")
    head = github_double.push_to_pull("acme/widgets", 1, "README.md", "# again\n")
    second = github_double.review_pull("acme/widgets", 1, "lead", "CHANGES_REQUESTED", body="No.")
    listed = caller.call("GET", REVIEWS).json()
    assert [(r["id"], r["user"]["login"], r["state"], r["commit_id"]) for r in listed] == [
        (first, "reviewer", "APPROVED", approved_on),
        (second, "lead", "CHANGES_REQUESTED", head),
    ]
    assert listed[0]["author_association"] == "COLLABORATOR"


def test_a_dismissed_review_reads_as_dismissed(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    review = github_double.review_pull("acme/widgets", 1, "reviewer")
    github_double.dismiss_review("acme/widgets", 1, review)
    assert caller.call("GET", f"{REVIEWS}/{review}").json()["state"] == "DISMISSED"


def test_reviews_are_paginated(github_double: GitHubDouble, caller: Caller, acme: int) -> None:
    for _ in range(3):
        github_double.review_pull("acme/widgets", 1, "reviewer", "COMMENTED")
    page = caller.call("GET", f"{REVIEWS}?per_page=2")
    assert len(page.json()) == 2
    assert 'rel="next"' in page.headers["Link"]


def test_requested_reviewers_are_stored_and_a_review_answers_the_request(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    body = {"reviewers": ["reviewer"], "team_reviewers": ["reviewers"]}
    answer = caller.call("POST", "/repos/acme/widgets/pulls/1/requested_reviewers", body)
    assert answer.status_code == 201
    assert [t["slug"] for t in answer.json()["requested_teams"]] == ["reviewers"]
    assert github_double.requested_reviewers("acme/widgets", 1) == {
        "users": ["reviewer"],
        "teams": ["reviewers"],
    }
    github_double.review_pull("acme/widgets", 1, "reviewer")
    assert github_double.requested_reviewers("acme/widgets", 1)["users"] == []


def test_a_review_cannot_be_requested_from_the_author_or_a_stranger(caller: Caller, acme: int) -> None:
    path = "/repos/acme/widgets/pulls/1/requested_reviewers"
    author = caller.call("POST", path, {"reviewers": ["octocat"]})
    assert (author.status_code, author.json()["message"]) == (
        422,
        "Review cannot be requested from pull request author.",
    )
    assert caller.call("POST", path, {"reviewers": ["stranger"]}).status_code == 422
    assert caller.call("POST", path, {"team_reviewers": ["ghosts"]}).status_code == 422


def test_requesting_reviewers_needs_pull_requests_write(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    caller.mint(acme, {"permissions": {"pull_requests": "read"}})
    answer = caller.call(
        "POST", "/repos/acme/widgets/pulls/1/requested_reviewers", {"reviewers": ["reviewer"]}
    )
    assert answer.status_code == 403
    assert github_double.requested_reviewers("acme/widgets", 1)["users"] == []


def test_labels_are_added_once_and_shown_on_the_pull_request(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    path = "/repos/acme/widgets/issues/1/labels"
    caller.call("POST", path, {"labels": ["pipeline-change"]})
    answer = caller.call("POST", path, {"labels": ["pipeline-change", {"name": "ci"}]})
    assert [label["name"] for label in answer.json()] == ["pipeline-change", "ci"]
    assert github_double.pull_labels("acme/widgets", 1) == ["pipeline-change", "ci"]
    pull = caller.call("GET", "/repos/acme/widgets/pulls/1").json()
    assert [label["name"] for label in pull["labels"]] == ["pipeline-change", "ci"]
    listed = caller.call("GET", "/repos/acme/widgets/pulls").json()
    assert [label["description"] for label in listed[0]["labels"]] == [None, None]


def test_adding_labels_needs_issues_or_pull_requests_write(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    path = "/repos/acme/widgets/issues/1/labels"
    caller.mint(acme, {"permissions": {"issues": "write"}})
    assert caller.call("POST", path, {"labels": ["a"]}).status_code == 200
    caller.mint(acme, {"permissions": {"pull_requests": "read", "issues": "read"}})
    assert caller.call("POST", path, {"labels": ["b"]}).status_code == 403
    assert github_double.pull_labels("acme/widgets", 1) == ["a"]


def test_team_membership_names_the_role_and_follows_member_changes(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    path = "/orgs/acme/teams/reviewers/memberships"
    assert caller.call("GET", f"{path}/lead").json() | {"url": ""} == {
        "url": "",
        "role": "maintainer",
        "state": "active",
    }
    github_double.set_team_members("acme", "reviewers", ["octocat"])
    assert caller.call("GET", f"{path}/reviewer").status_code == 404
    assert caller.call("GET", f"{path}/octocat").json()["role"] == "member"


def test_team_members_are_listed_by_role(caller: Caller, acme: int) -> None:
    path = "/orgs/acme/teams/reviewers/members"
    assert [u["login"] for u in caller.call("GET", path).json()] == ["lead", "reviewer"]
    assert [u["login"] for u in caller.call("GET", f"{path}?role=maintainer").json()] == ["lead"]


def test_teams_need_members_read_and_an_installation_on_the_organisation(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    caller.mint(acme, {"permissions": {"pull_requests": "read"}})
    assert caller.call("GET", "/orgs/acme/teams/reviewers/members").status_code == 403
    github_double.add_team("globex", "reviewers", members=["reviewer"])
    caller.mint(acme)
    assert caller.call("GET", "/orgs/globex/teams/reviewers/members").status_code == 404


def test_pull_requests_are_listed_by_state_base_and_head(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.create_branch("acme/widgets", "release")
    github_double.put_file("acme/widgets", "fix", "fix.txt", "fix\n")
    github_double.open_pull("acme/widgets", "fix", base="release")
    github_double.merge_pull("acme/widgets", 2)

    def numbers(query: str) -> list[int]:
        return [p["number"] for p in caller.call("GET", f"/repos/acme/widgets/pulls{query}").json()]

    assert numbers("") == [1]
    assert numbers("?state=closed") == [2]
    assert numbers("?state=all") == [2, 1]
    assert numbers("?state=all&base=release") == [2]
    assert numbers("?state=all&head=acme:feature") == [1]
    assert numbers("?state=all&direction=asc") == [1, 2]
