"""Security and robustness shared by every domain: settings checks, request limits, headers, log redaction, typed
ids with bounds, login throttling and idempotency keys (docs/security.md)."""
