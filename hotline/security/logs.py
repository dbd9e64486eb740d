"""Secrets in URLs stay out of the access log: `token`, `api_key`, `ticket`, `password`, `secret` and `key` query
values are replaced with `***` before uvicorn's access logger formats the line."""

import logging
import re

SECRET_PARAMS = re.compile(r"(?i)([?&](?:access_token|token|api_key|apikey|ticket|password|secret|key)=)[^&#\s]*")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
