"""Serving the metrics in Prometheus text format, from one process or from all of gunicorn's.

Where they are served:

- ``GUARD_METRICS_PORT`` set: only on that port (``guard serve`` and ``guard worker`` start a small
  server thread; under gunicorn the master process serves the workers' combined metrics), and the web
  app has no ``/metrics`` route (404).
- Not set: ``GET /metrics`` on the web app, behind an API token (401 until tokens exist).

gunicorn runs several worker processes, each with its own counters. ``gunicorn.conf.py`` points
``PROMETHEUS_MULTIPROC_DIR`` at a directory of their shared files (before prometheus-client is imported),
empties it when gunicorn starts, and tells prometheus-client when a worker exits; every export then
adds up all processes (``MultiProcessCollector``). The inbox figures come from the database at scrape
time, so they are the same whichever process answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

import structlog
from flask import Blueprint, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from guard.access import metrics_token_required
from guard.db import Database, DatabaseUnavailable
from guard.settings import Settings, env_file_path, load_settings, read_environment
from guard.status import inbox_stats

log = structlog.get_logger("guard.metrics")
blueprint = Blueprint("metrics", __name__)
EXTENSION = "guard.metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class InboxCollector(Collector):
    """Inbox depth, oldest age and dead deliveries, read from the database when scraped."""

    def __init__(self, open_database: Callable[[], Database], *, dispose: bool = False) -> None:
        self._open = open_database
        self._dispose = dispose

    def collect(self) -> Iterator[GaugeMetricFamily]:
        database = self._open()
        try:
            stats = inbox_stats(database, time.time())
        except DatabaseUnavailable:
            yield GaugeMetricFamily("guard_database_up", "Whether the database answered the scrape.", 0)
            return
        finally:
            if self._dispose:
                database.dispose()
        yield GaugeMetricFamily("guard_database_up", "Whether the database answered the scrape.", 1)
        yield GaugeMetricFamily("guard_inbox_depth", "Deliveries stored and not yet processed.", stats.depth)
        yield GaugeMetricFamily(
            "guard_inbox_oldest_age_seconds",
            "Age of the oldest unprocessed delivery (0 when the inbox is empty).",
            stats.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "guard_deliveries_dead_stored", "Dead deliveries kept in the inbox for inspection.", stats.dead
        )


class _Include(Collector):
    """Everything another registry holds, so one export carries both."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Any]:
        yield from self._registry.collect()


def process_registry() -> CollectorRegistry:
    """This process's metrics, or all gunicorn processes' in multiprocess mode."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return registry


def export_registry(inbox: InboxCollector) -> CollectorRegistry:
    """The registry an export reads: the process metrics plus the inbox figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Include(process_registry()))
    registry.register(inbox)
    return registry


@blueprint.get("/metrics")
@metrics_token_required
def metrics_page() -> Response:
    registry: CollectorRegistry = current_app.extensions[EXTENSION]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def serve_port(settings: Settings, registry: CollectorRegistry) -> WSGIServer:
    """Serve ``/metrics`` on ``GUARD_METRICS_PORT`` from a daemon thread (``shutdown()`` stops it)."""
    assert settings.metrics_port is not None
    server, _thread = start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)
    url = f"http://{settings.metrics_host}:{server.server_port}/metrics"
    log.info("metrics served on a separate port", url=url)
    return server


def serve_for_gunicorn() -> None:
    """In gunicorn's master (``when_ready``): serve every worker's metrics on GUARD_METRICS_PORT, if set.

    The master holds no database connection between scrapes, so nothing open is inherited by the workers
    it forks later.
    """
    settings = load_settings(read_environment(env_file_path()))
    if settings.metrics_port is None:
        return
    url = settings.database_url
    serve_port(settings, export_registry(InboxCollector(lambda: Database(url), dispose=True)))


def reset_multiprocess_directory() -> None:
    """Drop the files of a previous gunicorn run (gunicorn's ``on_starting``)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def worker_exited(pid: int) -> None:
    """Let live gauges forget a gunicorn worker that exited (gunicorn's ``child_exit``)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
