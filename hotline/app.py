"""The FastAPI application, assembled from each domain's router."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Response
from fastapi_offline import FastAPIOffline

from agent_console.routes import router as console_router
from analytics.routes import router as analytics_router
from analytics.watch import check_rising_once
from asr.routes import router as asr_router
from asr.service import start_speech
from classifier.routes import router as classifier_router
from hotline.auth.deps import current_user
from hotline.auth.routes import router as auth_router
from hotline.callers.routes import router as callers_router
from hotline.cluster.runner import JobRunner
from hotline.directory.routes import router as directory_router
from hotline.errors import install_error_handlers
from hotline.events import get_bus
from hotline.events.routes import router as events_router
from hotline.health import router as health_router
from hotline.ops import logs, metrics
from hotline.ops.middleware import OpsMiddleware
from hotline.security.config import check_all
from hotline.security.guard import RequestGuard
from hotline.security.logs import install as install_log_redaction
from hotline.settings import get_settings
from hotline.tickets.routes import router as tickets_router
from hotline.tickets.sweep import sweep_once
from hotline.web.routes import install_pages
from knowledge.routes import router as knowledge_router
from routing.acd.legs import follow_legs
from routing.acd.routes import router as acd_router
from routing.acd.routes import tick_once as acd_tick_once
from routing.acd.settings import get_acd_settings
from routing.linkage.outbox import run_outbox
from routing.linkage.routes import router as linkage_router
from routing.linkage.settings import get_linkage_settings
from routing.routes import router as classify_router
from routing.similar import router as similar_router
from selfservice.open311 import router as open311_router
from selfservice.routes import router as selfservice_router

log = logging.getLogger(__name__)

# How `hotline serve` runs uvicorn (and so what `hotline bench console` measures). Console messages are a few
# hundred bytes: compressing each one for every console costs more than it saves. proxy_headers off: uvicorn
# would believe X-Forwarded-For from any local peer; HOTLINE_TRUSTED_PROXIES decides.
SERVER_OPTIONS = {"ws_per_message_deflate": False, "proxy_headers": False}

DESCRIPTION = """12345 政务服务便民热线 — 工单、派单、签收、办理、答复、回访、办结。

登录：`POST /api/auth/login` 返回 `access_token`，之后在请求头带 `Authorization: Bearer <token>`。
错误统一为 `{"error": {"code": "...", "message": "中文说明"}}`；非法流转返回 409，越权返回 403，输入错误返回 422。
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    bus = get_bus()
    await bus.start()
    audiosocket = await start_speech()
    tasks = [asyncio.create_task(job) for job in background_jobs()]
    _freeze_startup_objects()
    try:
        yield
    finally:
        if audiosocket is not None:
            audiosocket.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await bus.stop()


def _freeze_startup_objects() -> None:
    """Move everything loaded at start-up (models, jieba's dictionary, the libraries) out of the collector's sight.

    Otherwise each full collection walks those millions of long-lived objects on the event loop: a pause of
    hundreds of milliseconds in the middle of a console fan-out (issue 20's tail, measured with gc callbacks).
    """
    gc.collect()
    gc.freeze()


def background_jobs() -> list[Coroutine]:
    """Every worker runs every periodic job's runner; a lease in the database lets exactly one of them work."""
    settings = get_settings()
    lease = settings.job_lease_seconds
    jobs = [
        JobRunner("sweep", sweep_once, settings.sweep_interval_seconds, lease),
        JobRunner("acd-ticker", acd_tick_once, get_acd_settings().tick_seconds, lease),
        JobRunner("rising", check_rising_once, settings.rising_interval_seconds, lease, wait_first=True),
    ]
    # The ACD queues and ends calls from the speech path's legs on the bus: on every worker (legs/docstring).
    runs = [job.run() for job in jobs] + [metrics.watch_event_lag(), follow_legs()]
    linkage = get_linkage_settings()
    if linkage.linkage_worker:  # on every worker: each message is claimed by one (FOR UPDATE SKIP LOCKED)
        runs.append(run_outbox(linkage.linkage_poll_seconds))
    return runs


def create_app() -> FastAPI:
    check_all()  # a bad setting stops start-up with its name, not each request that reads it with a 500
    # /docs with Swagger UI served by the app itself (fastapi-offline): the centre's network has no internet, so a
    # CDN would leave it blank. No /redoc: its bundle fetches a logo from Redocly's CDN.
    app = FastAPIOffline(
        title="12345 热线工单系统", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, redoc_url=None
    )
    logs.configure(get_settings().log_format)
    install_error_handlers(app)
    install_log_redaction()  # tokens and api keys in query strings never reach the access log
    app.add_middleware(RequestGuard)  # body limits, NUL refusal and security headers before anything else
    app.add_middleware(OpsMiddleware)  # outermost: request ids and metrics for every answer, refusals included
    for router in (auth_router, directory_router, tickets_router, callers_router, events_router, acd_router):
        app.include_router(router)
    app.include_router(classify_router, dependencies=[Depends(current_user)])  # 分类与派单建议 /api/classify
    app.include_router(classifier_router)  # 分类模型: versions, switch/rollback, /admin/classifier, 建议有误
    app.include_router(similar_router)  # 并单: similar open tickets
    app.include_router(asr_router)  # 语音: PBX media streams, recording uploads
    app.include_router(linkage_router)  # 联动: transfers, partners' signed callbacks, dead letters
    app.include_router(selfservice_router)  # 自助查询: /selfservice page, ticket/approval lookups, voice
    app.include_router(open311_router)  # Open311 GeoReport v2 façade
    app.include_router(knowledge_router)  # 知识库: search, suggestions, articles
    app.include_router(console_router)  # 座席控制台 /console, 班长看板 /wallboard, /api/console/ws
    app.include_router(analytics_router)  # 工单研判: /analytics page, report, drill-down, CSV, meeting pack
    app.include_router(health_router)  # /health/live, /health/ready, /api/health
    install_pages(app)

    @app.get("/metrics", tags=["运维 ops"], summary="Prometheus 指标", include_in_schema=False)
    def prometheus_metrics() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return app
