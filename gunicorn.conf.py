"""gunicorn settings for ``web: gunicorn app:app``; every value can be overridden by the environment.

Metrics: gunicorn runs several processes, so prometheus-client runs in multiprocess mode. Its directory
must be known before prometheus-client is first imported (by this file's hooks or by the app), so it is
set here: ``PROMETHEUS_MULTIPROC_DIR`` if given (use a directory of its own: it is emptied at start),
else a new temporary directory. With ``GUARD_METRICS_PORT`` set, the master process serves the workers'
combined metrics on that port; otherwise ``/metrics`` on the web port adds them up.

Connections are spread over the worker processes by the kernel (``SO_REUSEPORT``, a listening socket
per process) where that loses nothing: see ``guard/listening.py``.

Like ``guard serve``, the first start writes a random ``WEBHOOK_SECRET`` to the ``.env`` file if none is
set, so a fresh install starts and can register its App from the home page.
"""

import os
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="guard-metrics-")

from guard.listening import spread_connections

bind = f"{os.environ.get('GUARD_HOST', '0.0.0.0')}:{os.environ.get('PORT', '3000')}"  # noqa: S104 - a server binds all
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
reuse_port = spread_connections(os.environ.get("GUNICORN_REUSE_PORT", "auto"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 10_000
max_requests_jitter = 1_000
control_socket_disable = True  # gunicorn 27's runtime control socket: not used, nothing written to $HOME
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structlog": {
            "()": "guard.logs.build_formatter",
            "log_format": os.environ.get("LOG_FORMAT", "console"),
        }
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "structlog", "stream": "ext://sys.stderr"}
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "alembic": {"level": "WARNING"},
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def on_starting(server: object) -> None:
    """Before any worker starts: empty the metrics directory; make a webhook secret if none is set yet."""
    from guard.envfile import ensure_webhook_secret  # noqa: PLC0415 - after the metrics directory is set
    from guard.metrics_export import reset_multiprocess_directory  # noqa: PLC0415
    from guard.settings import env_file_path  # noqa: PLC0415

    reset_multiprocess_directory()
    ensure_webhook_secret(env_file_path())


def when_ready(server: object) -> None:
    from guard.metrics_export import serve_for_gunicorn  # noqa: PLC0415

    serve_for_gunicorn()


def child_exit(server: object, worker: object) -> None:
    from guard.metrics_export import worker_exited  # noqa: PLC0415

    worker_exited(worker.pid)  # type: ignore[attr-defined]
