"""``guard serve``: the receiver and in-process workers on one machine (the embedded SQLite default)."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

import structlog
from werkzeug.serving import make_server

from guard.cli.common import ENV_FILE, configured_settings, started_services
from guard.engine import Engine
from guard.envfile import ensure_webhook_secret
from guard.scheduler import start_thread
from guard.web import announce, create_app
from guard.worker import start_threads

log = structlog.get_logger("guard.serve")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="run the receiver with in-process workers on this machine")
    parser.add_argument("--host", default=os.environ.get("GUARD_HOST", "127.0.0.1"), help="default 127.0.0.1")
    parser.add_argument("--port", type=int, help="default PORT, or 3000")
    parser.add_argument("--workers", type=int, help="worker threads (default GUARD_WORKER_THREADS, or 2)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    generated = ensure_webhook_secret(ENV_FILE)
    settings = configured_settings()
    services = started_services(settings)
    if generated:
        log.warning(
            "generated a local webhook secret in .env; give GitHub the same secret when you register the App"
        )
    announce(settings)
    stop = threading.Event()
    workers = start_threads(Engine(services, services.github), args.workers or settings.worker_threads, stop)
    scheduler = start_thread(services, stop)
    server = make_server(args.host, args.port or settings.port, create_app(services=services), threaded=True)
    _stop_on_signals(server.shutdown)
    log.info(
        "listening", webhook_url=f"http://{args.host}:{server.port}/api/github/webhooks", workers=len(workers)
    )
    try:
        server.serve_forever()
    finally:
        stop.set()
        for thread in [*workers, *([scheduler] if scheduler else [])]:
            thread.join()
        services.db.dispose()
    return 0


def _stop_on_signals(shutdown: object) -> None:
    """SIGTERM and SIGINT stop the server; workers finish the delivery in hand."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", signal=signal.Signals(signum).name)
        threading.Thread(target=shutdown, daemon=True).start()  # type: ignore[arg-type]

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
