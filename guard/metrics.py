"""The guard's Prometheus metrics and the few calls that move them.

Counters and histograms live in the process that does the work (receiver, worker, GitHub client,
executor, sweeps); under gunicorn they are shared through prometheus-client's multiprocess mode
(``guard/metrics_export.py``). What the database knows (inbox depth and age, dead deliveries) is read at
scrape time instead, so every process reports the same truth. Policies never touch metrics.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from guard.github.ratelimit import RateLimit

DELIVERIES_RECEIVED = Counter(
    "guard_deliveries_received",
    "Webhook deliveries answered by the receiver, by event and outcome "
    "(accepted, ignored, duplicate, pong, malformed, bad_signature, too_large, not_json, unavailable).",
    ["event", "outcome"],
)
DELIVERIES_PROCESSED = Counter(
    "guard_deliveries_processed",
    "Deliveries whose policies all ran and whose results were recorded.",
    ["event"],
)
DELIVERIES_FAILED = Counter(
    "guard_deliveries_failed", "Processing attempts that failed and were scheduled again.", ["event"]
)
DELIVERIES_DEAD = Counter(
    "guard_deliveries_dead", "Deliveries given up on (last attempt failed, or malformed).", ["event"]
)
PROCESSING_SECONDS = Histogram(
    "guard_delivery_processing_seconds",
    "Time a worker spent on one attempt at a delivery (policies, actions and the record).",
    ["event"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
DELIVERY_LAG_SECONDS = Histogram(
    "guard_delivery_lag_seconds",
    "Time from a delivery's receipt to the end of its successful processing.",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400),
)
FORK_RESPONSE_SECONDS = Histogram(
    "guard_fork_response_seconds",
    "Time from a fork-safety delivery's receipt to its cancel request or deployment verdict.",
    ["action"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
GITHUB_REQUESTS = Counter(
    "guard_github_requests",
    "HTTP exchanges with GitHub's API by method and status (error: no answer).",
    ["method", "status"],
)
RATE_LIMIT_REMAINING = Gauge(
    "guard_github_rate_limit_remaining",
    "Requests left in the current window, as GitHub last announced ('app': the App's own JWT calls).",
    ["installation", "resource"],
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_LIMIT = Gauge(
    "guard_github_rate_limit_limit",
    "Size of the current rate-limit window, as GitHub last announced.",
    ["installation", "resource"],
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_RESET = Gauge(
    "guard_github_rate_limit_reset_timestamp_seconds",
    "When the current rate-limit window resets (Unix time, GitHub's clock).",
    ["installation", "resource"],
    multiprocess_mode="mostrecent",
)
ACTIONS = Counter(
    "guard_actions",
    "Actions decided by policies, by policy, kind and outcome (done, failed, skipped).",
    ["policy", "kind", "outcome"],
)
SWEEPS = Counter(
    "guard_sweeps", "Periodic sweeps finished, by policy and outcome (ok, failed).", ["policy", "outcome"]
)
SWEEP_SECONDS = Histogram(
    "guard_sweep_duration_seconds",
    "Duration of each periodic sweep, by policy.",
    ["policy"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
SWEEP_LAST_SUCCESS = Gauge(
    "guard_sweep_last_success_timestamp_seconds",
    "When each policy's last successful sweep finished (Unix time).",
    ["policy"],
    multiprocess_mode="max",
)


def delivery_received(event: str | None, outcome: str) -> None:
    DELIVERIES_RECEIVED.labels(event or "-", outcome).inc()


def delivery_worked(event: str, outcome: str, seconds: float, lag: float) -> None:
    """One attempt at a delivery ended: ``processed``, ``failed`` (retried), ``dead`` or ``lost`` (lease)."""
    PROCESSING_SECONDS.labels(event).observe(seconds)
    if outcome == "processed":
        DELIVERIES_PROCESSED.labels(event).inc()
        DELIVERY_LAG_SECONDS.observe(max(0.0, lag))
    elif outcome == "failed":
        DELIVERIES_FAILED.labels(event).inc()
    elif outcome == "dead":
        DELIVERIES_DEAD.labels(event).inc()


def github_answered(method: str, status: int | None) -> None:
    GITHUB_REQUESTS.labels(method, "error" if status is None else str(status)).inc()


def rate_limit_seen(identity: str, limit: RateLimit) -> None:
    """Record the headroom an answer announced for ``identity`` (``app`` or ``installation:ID``)."""
    installation = identity.removeprefix("installation:")
    labels = (installation, limit.resource)
    RATE_LIMIT_REMAINING.labels(*labels).set(limit.remaining)
    RATE_LIMIT_LIMIT.labels(*labels).set(limit.limit)
    RATE_LIMIT_RESET.labels(*labels).set(limit.reset)


def fork_response(action: str, seconds: float) -> None:
    """A cancel request or a deployment verdict was sent ``seconds`` after its delivery arrived."""
    FORK_RESPONSE_SECONDS.labels(action).observe(max(0.0, seconds))


def action_finished(policy: str, kind: str, outcome: str) -> None:
    ACTIONS.labels(policy, kind, outcome).inc()


def sweep_finished(policy: str, outcome: str, seconds: float, finished_at: float) -> None:
    SWEEPS.labels(policy, outcome).inc()
    SWEEP_SECONDS.labels(policy).observe(seconds)
    if outcome == "ok":
        SWEEP_LAST_SUCCESS.labels(policy).set(finished_at)
