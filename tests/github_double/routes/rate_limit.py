"""``GET /rate_limit``: free of charge, for any caller."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import rate_limit_json


def get_rate_limit(request: Request) -> Reply:
    budget = request.double.rate_limits.budget(request.identity.key, request.double.now())
    return Reply(200, rate_limit_json(budget.limit, budget.remaining, budget.reset))


def register(router: Router) -> None:
    router.add("rate-limit/get", get_rate_limit, auth="any")
