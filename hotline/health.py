"""Liveness and readiness for load balancers and orchestrators.

* `/health/live`: the process answers (also `/api/health`, as before). Never touches the database or Redis, so a
  database outage does not get every worker restarted.
* `/health/ready`: this worker can serve — the database answers `SELECT 1` and, when Redis is configured, the event
  bus is connected. 503 otherwise, with what is wrong; events published while Redis is away are held and counted.
"""

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hotline.db import get_engine
from hotline.events import get_bus

router = APIRouter(tags=["运维 ops"])


@router.get("/health/live", summary="存活检查（进程在响应）")
@router.get("/api/health", summary="健康检查（同 /health/live）")
def live() -> dict:
    return {"status": "ok"}


def _database() -> str:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        return "unavailable"


@router.get(
    "/health/ready",
    summary="就绪检查：数据库与 Redis",
    responses={503: {"description": "数据库或 Redis 不可用（见 checks）"}},
)
async def ready() -> JSONResponse:
    database = await asyncio.wait_for(asyncio.to_thread(_database), timeout=10)
    bus = get_bus().status()
    checks = {"database": database, **bus}
    ok = database == "ok" and bus["redis"] in ("ok", "not_configured")
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    if not ok:
        body["message"] = "；".join(
            text
            for text, bad in (
                ("数据库不可用", database != "ok"),
                (f"Redis 不可用，{bus['held_events']} 条事件待补发", bus["redis"] not in ("ok", "not_configured")),
            )
            if bad
        )
    return JSONResponse(body, status_code=200 if ok else 503)
