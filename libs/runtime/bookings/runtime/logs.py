"""Structured logging for every service: one line per event on stderr.

`json`: one JSON object per line (production). `console`: colours and aligned columns on a
terminal, `key=value` lines (logfmt) otherwise, e.g. in a file or a container log. Context
bound with `structlog.contextvars` (e.g. a request id) joins every line. Never log tokens or
request bodies: log ids and outcomes. Tracebacks never show local variables (they can hold
bodies, tokens and passwords).

Our own lines are rendered by structlog and written straight to stderr, without the stdlib
`logging` machinery: an access line per request costs a few microseconds (5 µs as JSON, 24
before, through the stdlib). Third-party libraries
log through the stdlib; their lines go through the same renderer.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import msgspec
import structlog

from bookings.runtime.settings import LogFormat, LogLevel

_encoder = msgspec.json.Encoder(enc_hook=str)


class _StderrLogger:
    """Writes each rendered line to the current `sys.stderr` (line-buffered: a write per line)."""

    def msg(self, message: str) -> None:
        stream: TextIO = sys.stderr
        stream.write(message + "\n")

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _stderr_logger(*args: Any) -> _StderrLogger:
    return _StderrLogger()


def _json(event: dict[str, Any], **_: Any) -> str:
    return _encoder.encode(event).decode()


def _renderer(log_format: LogFormat) -> structlog.types.Processor:
    if log_format == "json":
        return structlog.processors.JSONRenderer(serializer=_json)
    if sys.stderr.isatty():
        return structlog.dev.ConsoleRenderer(
            colors=True, exception_formatter=structlog.dev.plain_traceback
        )
    return structlog.processors.LogfmtRenderer(key_order=["timestamp", "level", "event"])


def configure_logging(level: LogLevel, log_format: LogFormat, *, service: str) -> None:
    renderer = _renderer(log_format)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if not isinstance(renderer, structlog.dev.ConsoleRenderer):
        # The console renderer prints tracebacks itself (plainly); the others get them as text.
        shared.append(structlog.processors.format_exc_info)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=_stderr_logger,
        # Loggers follow a later reconfiguration (tests do that); a hot path binds its logger
        # once instead (`structlog.get_logger(...).bind()`), which fixes the configuration.
        cache_logger_on_first_use=False,
    )
    # Third-party libraries log through the stdlib: route them through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.contextvars.bind_contextvars(service=service)
