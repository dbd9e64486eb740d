"""Operations: Prometheus metrics (`/metrics`), request ids and structured (JSON) logs."""
