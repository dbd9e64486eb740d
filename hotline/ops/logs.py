"""Request and call ids on every log record, and JSON logs (`HOTLINE_LOG_FORMAT=json`) for log collectors."""

import logging
import sys
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
call_id: ContextVar[str | None] = ContextVar("call_id", default=None)

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s %(request_id)s %(call_id)s"


class ContextFilter(logging.Filter):
    """Puts the current request's and call's ids on the record (None outside a request or a call)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.call_id = call_id.get()
        return True


def configure(log_format: str) -> None:
    """JSON: one object a line on stderr from every logger, uvicorn's included. Text: leave logging as it is."""
    if log_format != "json":
        return
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"}))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
