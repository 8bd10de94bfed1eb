"""``guard worker``: a process of workers sharing the inbox with other processes and machines."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

import structlog

from guard.cli.common import configured_settings, started_services
from guard.engine import Engine
from guard.metrics_export import InboxCollector, export_registry, serve_port
from guard.reload import CredentialsWatch
from guard.scheduler import start_thread
from guard.web import announce
from guard.worker import start_threads

log = structlog.get_logger("guard.worker")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("worker", help="process stored deliveries (run as many as you need)")
    parser.add_argument(
        "--threads", type=int, help="worker threads (default GUARD_WORKER_THREADS, at least 1)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = configured_settings()
    services = started_services(settings)
    announce(settings)
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping after the deliveries in hand", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    threads = start_threads(Engine(services), max(1, args.threads or settings.worker_threads), stop)
    scheduler = start_thread(services, stop)
    if settings.metrics_port is not None:
        serve_port(settings, export_registry(InboxCollector(lambda: services.db)))
    watch = CredentialsWatch(services)
    while not stop.wait(watch.interval):
        watch.check()
    for thread in [*threads, scheduler]:
        thread.join()
    services.db.dispose()
    return 0
