"""Judging a fault run from outside: what GitHub sent and heard back, what the guard recorded, what it did.

- sent: deliveries the double delivered (first attempts); acknowledged: those with a 2xx attempt;
- processed: stored, done, and decided on by the policy the delivery is for (the decision log);
- lost: sent but not processed at the end (acknowledged or not: failed deliveries must be recovered);
- duplicated: deliveries a policy decided on twice, or whose single action the double saw succeed more
  than once (two branches created, two check runs created for the same commit);
- answers: every attempt's HTTP status as GitHub saw it (0: could not connect); github_answers: the
  statuses the double answered the guard with (0: connection dropped);
- repeats: mutating requests for a target beyond its first (a retry after a lost answer, refused by
  GitHub as already done), to show retries stay bounded.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from guard.db import Database, decisions, deliveries
from guard.handlers.config import CHECK_NAME as CONFIG_CHECK
from tests.github_double.double import GitHubDouble
from tests.reliability.workload import CHECK_RUNS, REFS, Expected


@dataclass
class Tally:
    """The figures of one fault run."""

    sent: int = 0
    acknowledged: int = 0
    recovered: int = 0
    processed: int = 0
    lost: int = 0
    duplicated: int = 0
    repeats: int = 0
    answers: Counter[int] = field(default_factory=Counter)
    github_answers: Counter[int] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, int]:
        keys = ("sent", "acknowledged", "recovered", "processed", "lost", "duplicated", "repeats")
        return {key: int(getattr(self, key)) for key in keys}


def _outcomes(db: Database, guids: list[str]) -> dict[str, dict[str, Any]]:
    """Per GUID: state, source, and how many decisions each policy recorded."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(guids), 500):
        chunk = guids[start : start + 500]
        query = (
            sa.select(deliveries.c.delivery_id, deliveries.c.state, deliveries.c.source, decisions.c.policy)
            .outerjoin(decisions, decisions.c.delivery_pk == deliveries.c.id)
            .where(deliveries.c.delivery_id.in_(chunk))
        )
        with db.read() as conn:
            for row in conn.execute(query):
                entry = found.setdefault(
                    row.delivery_id, {"state": row.state, "source": row.source, "policies": Counter()}
                )
                if row.policy:
                    entry["policies"][row.policy] += 1
    return found


def _acted(double: GitHubDouble) -> tuple[Counter[str], Counter[str]]:
    """Per target: successful creations, and every creation request (any answer).

    Check runs count only the config preview's: the workload's pull requests change ``guard.yml``, so the
    review gate posts its own check beside it, which the workload does not expect."""
    done: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    checks = [c for c in double.calls_to("POST", CHECK_RUNS) if (c.body or {}).get("name") == CONFIG_CHECK]
    for call in double.calls_to("POST", REFS) + checks:
        body = call.body if isinstance(call.body, dict) else {}
        target = str(body.get("ref") or body.get("head_sha") or "")
        tried[target] += 1
        if 200 <= call.status < 300:
            done[target] += 1
    return done, tried


def tally(double: GitHubDouble, db: Database, expected: list[Expected]) -> Tally:
    attempts: dict[str, list[int]] = {}
    answers: Counter[int] = Counter()
    for attempt in double.hook_attempts():
        attempts.setdefault(attempt.guid, []).append(attempt.status_code)
        answers[attempt.status_code] += 1
    outcomes = _outcomes(db, [e.guid for e in expected])
    done, tried = _acted(double)
    github_answers = Counter(call.status for call in double.calls)
    result = Tally(sent=len(expected), answers=answers, github_answers=github_answers)
    for item in expected:
        codes = attempts.get(item.guid, [])
        result.acknowledged += any(200 <= code < 300 for code in codes[:1])
        outcome = outcomes.get(item.guid)
        decided = outcome["policies"][item.policy] if outcome else 0
        if outcome is None or outcome["state"] != "done" or decided == 0 or done[item.target] == 0:
            result.lost += 1
            result.notes.append(
                f"lost {item.kind} {item.guid}: {outcome and outcome['state']}, acts {done[item.target]},"
                f" answered {codes or 'never'}"
            )
            continue
        result.processed += 1
        result.recovered += outcome["source"] == "recovered"
        if decided > 1 or done[item.target] > 1:
            result.duplicated += 1
            result.notes.append(
                f"twice {item.kind} {item.guid}: decisions {decided}, acts {done[item.target]}"
            )
        result.repeats += tried[item.target] - 1
    return result


def settled(double: GitHubDouble, db: Database, expected: list[Expected], timeout: float) -> Tally:
    """Wait until every delivery is processed (or ``timeout`` passes), then tally."""
    deadline = time.monotonic() + timeout
    while True:
        result = tally(double, db, expected)
        if result.lost == 0 or time.monotonic() > deadline:
            return result
        time.sleep(1.0)
