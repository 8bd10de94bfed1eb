"""Structured logs with structlog: JSON in production, readable on a terminal, secrets never included.

Exception tracebacks are rendered without frame locals (structlog's dict tracebacks show them by
default), and every field and traceback passes through ``guard.redact``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor

from guard.redact import redact_value

CONTEXT_KEYS = ("delivery_id", "github_event", "action", "installation", "repository")


def redact_secrets(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Replace secret values in every field, including rendered exceptions."""
    return {key: redact_value(key, value) for key, value in event_dict.items()}


def _redact_rendered(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Redact the traceback the renderer just added (every other field was redacted before)."""
    for key in ("exception", "stack"):
        if key in event_dict:
            event_dict[key] = redact_value(key, event_dict[key])
    return event_dict


def _shared_processors() -> list[Processor]:
    """The fields given and bound are redacted; level, logger name and time are the guard's own."""
    return [
        structlog.contextvars.merge_contextvars,
        redact_secrets,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(log_format: str) -> list[Processor]:
    if log_format == "json":
        return [
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            _redact_rendered,
            structlog.processors.JSONRenderer(),
        ]
    return [
        structlog.processors.format_exc_info,
        _redact_rendered,
        structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        ),
    ]


def build_formatter(log_format: str = "console") -> logging.Formatter:
    """A standard-library formatter that renders through structlog (also used by gunicorn's log config)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(log_format)],
    )


def configure_logging(log_format: str = "console", level: int = logging.INFO) -> None:
    """Route structlog and the standard library (gunicorn, urllib3, alembic) through one renderer."""
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(build_formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "werkzeug", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def bind_delivery(values: MutableMapping[str, Any]) -> None:
    """Bind the delivery fields every log line of this unit of work carries."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**{k: values.get(k) for k in CONTEXT_KEYS})
