"""The App webhook's deliveries: list attempts newest first (cursor pages), and redeliver one."""

from __future__ import annotations

from typing import Any

from tests.github_double.hook import HookAttempt, redeliver
from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import iso


def _item(attempt: HookAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "guid": attempt.guid,
        "delivered_at": iso(attempt.delivered_at),
        "redelivery": attempt.redelivery,
        "duration": attempt.duration,
        "status": attempt.status,
        "status_code": attempt.status_code,
        "event": attempt.event,
        "action": attempt.action,
        "installation_id": attempt.installation_id,
        "repository_id": attempt.repository_id,
        "throttled_at": None,
    }


def list_deliveries(request: Request) -> Reply:
    request.app()
    per_page = min(100, int(request.query.get("per_page") or 30))
    cursor = request.query.get("cursor")
    # An attempt still waiting for the receiver's answer is not listed yet: GitHub lists it once done.
    finished = [a for a in request.double.hook_attempts() if a.status != "pending"]
    newest_first = sorted(finished, key=lambda a: a.id, reverse=True)
    if cursor:
        newest_first = [a for a in newest_first if a.id < int(cursor)]
    status = request.query.get("status")
    if status:
        newest_first = [a for a in newest_first if (200 <= a.status_code < 400) == (status == "success")]
    page = newest_first[:per_page]
    headers = {}
    if len(newest_first) > per_page:
        headers["link"] = (
            f'<{request.api}/app/hook/deliveries?per_page={per_page}&cursor={page[-1].id}>; rel="next"'
        )
    return Reply(200, [_item(a) for a in page], headers)


def redeliver_attempt(request: Request) -> Reply:
    request.app()
    if not redeliver(request.double, request.int_param("delivery_id")):
        raise request.error(404, "Not Found")
    return Reply(202, {})


def register(router: Router) -> None:
    router.add("apps/list-webhook-deliveries", list_deliveries, auth="app")
    router.add("apps/redeliver-webhook-delivery", redeliver_attempt, auth="app")
