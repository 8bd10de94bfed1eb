"""Reviews of a pull request (listed oldest first, as GitHub does) and requesting reviewers."""

from __future__ import annotations

from tests.github_double.pull_shapes import pull_request_simple_json
from tests.github_double.review_shapes import review_json
from tests.github_double.routes.pulls import pull_of
from tests.github_double.routing import Reply, Request, Router, paginated

NOT_COLLABORATOR = (
    "Reviews may only be requested from collaborators. One or more of the users or teams you specified "
    "is not a collaborator of the {repo} repository."
)


def list_reviews(request: Request) -> Reply:
    repo, pull = pull_of(request)
    found = sorted(
        (r for r in request.state.reviews.values() if (r.repo_id, r.number) == (repo.id, pull.number)),
        key=lambda r: r.id,
    )
    return paginated(request, [review_json(request.api, request.state, repo, r) for r in found])


def get_review(request: Request) -> Reply:
    repo, pull = pull_of(request)
    review = request.state.reviews.get(request.int_param("review_id"))
    if review is None or (review.repo_id, review.number) != (repo.id, pull.number):
        raise request.error(404, "Not Found")
    return Reply(200, review_json(request.api, request.state, repo, review))


def request_reviewers(request: Request) -> Reply:
    """Ask users (collaborators, not the author) and teams of the organisation for a review."""
    repo, pull = pull_of(request)
    request.require("pull_requests", "write")
    body = request.body or {}
    users, teams = list(body.get("reviewers", [])), list(body.get("team_reviewers", []))
    if any(login.lower() == pull.user.login.lower() for login in users):
        raise request.error(422, "Review cannot be requested from pull request author.")
    unknown_user = any(login.lower() not in repo.roles for login in users)
    unknown_team = any((repo.owner.id, slug.lower()) not in request.state.teams for slug in teams)
    if unknown_user or unknown_team:
        raise request.error(422, NOT_COLLABORATOR.format(repo=repo.full_name))
    for login in users:
        name = request.state.user(login).login
        if name not in pull.requested_users:
            pull.requested_users.append(name)
    for slug in teams:
        name = request.state.teams[(repo.owner.id, slug.lower())].slug
        if name not in pull.requested_teams:
            pull.requested_teams.append(name)
    return Reply(201, pull_request_simple_json(request.api, request.state, repo, pull))


def register(router: Router) -> None:
    router.add("pulls/list-reviews", list_reviews)
    router.add("pulls/get-review", get_review)
    router.add("pulls/request-reviewers", request_reviewers)
