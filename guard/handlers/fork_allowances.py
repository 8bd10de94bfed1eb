"""Fork safety, the maintainer override: allow one run of one exact head commit; a push voids it.

Asked by the **Allow this run** button of the guard's own "Pipeline Guard / fork safety" check run
(``check_run.requested_action``) or by a ``/guard allow SHA`` comment on the pull request.
"""

from __future__ import annotations

from collections.abc import Iterable

from guard.engine import Context
from guard.events import CheckRunEvent, IssueCommentEvent, PullRequestEvent
from guard.facts import can_write, role
from guard.facts_actions import pushed_to, read_pull
from guard.fork_records import blocked_runs
from guard.routing import Router
from policies.base import Decision, Mode, SaveState
from policies.fork_secrets.allowance import (
    NAMESPACE,
    Allowance,
    AllowRequest,
    decide_allow,
    key,
    parse_command,
    void_on_push,
)
from policies.fork_secrets.report import ALLOW_BUTTON, CHECK_NAME, POLICY, PullInfo

PUSHERS = "fork_pushers"  # who pushed to each pull request, as its synchronize deliveries said

router = Router(
    permissions={"checks": "write", "issues": "write", "pull_requests": "read", "actions": "write"}
)


def _request(ctx: Context, repository: str, pull: PullInfo, *, sha: str, by: str, via: str) -> AllowRequest:
    """The facts of an allow request: the requester's role, and whether they pushed or wrote commits."""
    writer = can_write(role(ctx.github, repository, by))
    pushed = writer and (
        _recorded_pusher(ctx, repository, pull.number, by)
        or pushed_to(ctx.github, repository, pull.number, by)
    )
    return AllowRequest(
        repository=repository,
        pull=pull,
        sha=sha,
        by=by,
        by_can_write=writer,
        by_pushed=pushed,
        via=via,
        now=ctx.clock(),
        blocked_runs=blocked_runs(ctx.state, repository, sha),
    )


def _pushers_key(repository: str, number: int) -> str:
    return f"{repository.lower()}#{number}"


def _recorded_pusher(ctx: Context, repository: str, number: int, login: str) -> bool:
    pushers = ctx.state.get(PUSHERS, _pushers_key(repository, number)) or []
    return login.lower() in pushers


@router.on("check_run", "requested_action", policy=POLICY)
def on_allow_button(event: CheckRunEvent, ctx: Context) -> Iterable[Decision]:
    """The button on the guard's own check run only: another App's check of the same name is ignored."""
    run, app = event.check_run, ctx.app()
    ours = run.app is not None and app is not None and run.app.id == app.id
    if event.requested_action != ALLOW_BUTTON or run.name != CHECK_NAME or not ours:
        return []
    number = (run.external_id or "").removeprefix("pull:")
    repository = event.repository.full_name
    pull = read_pull(ctx.github, repository, int(number)) if number.isdigit() else None
    if pull is None:
        return [Decision(POLICY, f"allow button on check run {run.id}: its pull request is unknown")]
    return [
        decide_allow(_request(ctx, repository, pull, sha=run.head_sha, by=event.sender.login, via="button"))
    ]


@router.on("issue_comment", "created", policy=POLICY)
def on_allow_comment(event: IssueCommentEvent, ctx: Context) -> Iterable[Decision]:
    sha = parse_command(event.comment.body)
    if sha is None or not event.on_pull_request or event.comment.user.is_bot:
        return []
    repository = event.repository.full_name
    if ctx.config(repository).fork_secrets.mode is Mode.OFF:
        return []
    pull = read_pull(ctx.github, repository, event.number)
    if pull is None:
        return []
    if 7 <= len(sha) < 40 and pull.head_sha.startswith(sha):
        sha = pull.head_sha
    return [decide_allow(_request(ctx, repository, pull, sha=sha, by=event.sender.login, via="comment"))]


@router.on("pull_request", "synchronize", policy=POLICY)
def on_push_to_pull(event: PullRequestEvent, ctx: Context) -> Iterable[Decision]:
    """A new head voids the allowance given for the old one; the pusher may no longer allow its runs."""
    if not event.before or not event.after:
        return []
    repository, pusher = event.repository.full_name, event.sender.login if event.sender else None
    decisions = []
    if pusher is not None:
        entry = _pushers_key(repository, event.number)
        pushers = sorted({*(ctx.state.get(PUSHERS, entry) or []), pusher.lower()})
        decisions.append(
            Decision(
                POLICY, f"{pusher} pushed to #{event.number}", actions=(SaveState(PUSHERS, entry, pushers),)
            )
        )
    allowance = Allowance.from_json(ctx.state.get(NAMESPACE, key(repository, event.before)))
    if allowance is not None:
        decisions.append(void_on_push(allowance, event.after, pusher or "someone"))
    return decisions
