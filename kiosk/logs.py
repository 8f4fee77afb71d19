"""Logs as JSON lines on stdout (journald), each with a stable event id.

Callers pass an event id and plain facts; nothing personal belongs in a log. As a second line of
defence the formatter blanks anything shaped like an ID number before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    return _ID_NUMBER.sub("[id-number]", text)


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", None) or f"{record.name}.message",
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup_logging(level: int = logging.INFO, stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def event(logger: logging.Logger, event_id: str, msg: str = "", level: int = logging.INFO,
          **facts: Any) -> None:
    """Log one event: `event(log, "session.start", workflow="collect")`."""
    logger.log(level, msg or event_id, extra={"event": event_id, **facts})
