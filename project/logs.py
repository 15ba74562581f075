"""Structured logs: each record as one line of JSON (time, level, logger, message, and the
request's method, path and status where Django gives them), for a log collector to parse."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = request.path
        if getattr(record, "status_code", None):
            entry["status"] = record.status_code
        if getattr(record, "ms", None) is not None:
            entry["ms"] = record.ms
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
