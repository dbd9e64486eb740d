"""Prometheus metrics with the standard client library.

Each worker process serves its own `/metrics` (Prometheus scrapes every worker, not the balancer). When several
processes share one port (`uvicorn --workers N`), set `PROMETHEUS_MULTIPROC_DIR` to an empty folder before they
start: the client library then keeps the figures in files there and `/metrics` adds up every process's.
"""

import os
import time
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter("hotline_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "hotline_http_request_seconds",
    "time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBSOCKETS = Gauge("hotline_websocket_clients", "open WebSocket connections", ["route"], multiprocess_mode="livesum")
EVENT_LAG = Histogram(
    "hotline_event_lag_seconds",
    "from an event's publication to this process hearing it on the bus",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
JOB_LEADER = Gauge("hotline_job_leader", "1 while this process holds the periodic job's lease", ["job"],
                   multiprocess_mode="livemax")  # fmt: skip
OUTBOX_DEPTH = Gauge("hotline_linkage_outbox_depth", "linkage messages waiting for delivery", ["state"],
                     multiprocess_mode="mostrecent")  # fmt: skip


def set_job_leader(job: str, leading: bool) -> None:
    JOB_LEADER.labels(job=job).set(1 if leading else 0)


def observe_event(at: str) -> None:
    """The lag of one event heard on the bus, from its `at` stamp (ISO, UTC)."""
    try:
        published = datetime.fromisoformat(at).timestamp()
    except ValueError:
        return
    EVENT_LAG.observe(max(time.time() - published, 0.0))


def _outbox_depth() -> None:
    # Counted at scrape time: the database knows, no worker has to keep the figure up to date.
    from sqlalchemy import func
    from sqlmodel import Session, select

    from hotline.db import get_engine
    from routing.linkage.models import OutboxMessage

    with Session(get_engine()) as session:
        rows = session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    for state in ("pending", "dead"):
        OUTBOX_DEPTH.labels(state=state).set(dict(rows).get(state, 0))


def render() -> tuple[bytes, str]:
    """The text exposition of this process's (or, in multiprocess mode, all processes') metrics."""
    _outbox_depth()
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


async def watch_event_lag() -> None:
    """Hear every event on this process's bus and observe how late it arrived."""
    from hotline.events import get_bus
    from hotline.events.bus import SubscriptionOverflow

    bus = get_bus()
    subscription = bus.subscribe(maxsize=10_000)
    try:
        while True:
            try:
                event = await subscription.get()
            except SubscriptionOverflow:  # only the lag figure falls behind: start over
                subscription.close()
                subscription = bus.subscribe(maxsize=10_000)
                continue
            observe_event(event.at)
    finally:
        subscription.close()
