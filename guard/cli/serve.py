"""``guard serve``: the receiver and in-process workers on one machine (the embedded SQLite default)."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

import structlog
from werkzeug.serving import make_server

from guard.cli.common import configured_settings, started_services
from guard.engine import Engine
from guard.envfile import ensure_webhook_secret
from guard.metrics_export import EXTENSION, serve_port
from guard.scheduler import start_thread
from guard.settings import env_file_path
from guard.web import announce, announce_setup, create_app
from guard.worker import start_threads

log = structlog.get_logger("guard.serve")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="run the receiver with in-process workers on this machine")
    parser.add_argument("--host", default=os.environ.get("GUARD_HOST", "127.0.0.1"), help="default 127.0.0.1")
    parser.add_argument("--port", type=int, help="default PORT, or 3000")
    parser.add_argument("--workers", type=int, help="worker threads (default GUARD_WORKER_THREADS, or 2)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    generated = ensure_webhook_secret(env_file_path())
    settings = configured_settings()
    services = started_services(settings)
    if generated:
        log.warning(
            f"generated a webhook secret in {settings.env_file}; registering the App from the home page "
            "replaces it with GitHub's, an App registered by hand needs this one"
        )
    announce(settings)
    stop = threading.Event()
    workers = start_threads(Engine(services), args.workers or settings.worker_threads, stop)
    scheduler = start_thread(services, stop)
    app = create_app(services=services)
    server = make_server(args.host, args.port or settings.port, app, threaded=True)
    if settings.metrics_port is not None:
        serve_port(settings, app.extensions[EXTENSION])
    _stop_on_signals(server.shutdown)
    home = f"http://{_host_for_url(args.host)}:{server.port}"
    log.info("listening", home=home + "/", webhook_url=f"{home}/api/github/webhooks", workers=len(workers))
    announce_setup(services, home + "/")
    try:
        server.serve_forever()
    finally:
        stop.set()
        for thread in [*workers, scheduler]:
            thread.join()
        services.db.dispose()
    return 0


def _host_for_url(host: str) -> str:
    """The address to put in a URL people open: a wildcard bind is reachable on loopback."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104 - mapping, not binding
    return wildcard.get(host, f"[{host}]" if ":" in host else host)


def _stop_on_signals(shutdown: object) -> None:
    """SIGTERM and SIGINT stop the server; workers finish the delivery in hand."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", signal=signal.Signals(signum).name)
        threading.Thread(target=shutdown, daemon=True).start()  # type: ignore[arg-type]

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
