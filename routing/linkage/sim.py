"""Stand-in partners: a small 110 or 数字城管 server that speaks the linkage protocol, for tests and demos.

It verifies our signatures (and refuses replays), acknowledges transfers (honouring idempotency keys: a
repeat gets the same case number and starts nothing new), then walks each case through the partner's
statuses with signed callbacks to the hotline, retrying while the hotline is down. `POST /sim/mode` makes it
misbehave: 500s, timeouts, slow answers (the case is taken but the ack comes late), duplicate callbacks,
bad signatures, replayed callbacks. `GET /sim/state` shows what it received and sent.
"""

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from routing.linkage.partners import partner_of
from routing.linkage.signing import check_signature, sign_headers


@dataclass
class Mode:
    fail: int = 0  # answer this many transfers with 500
    timeout: int = 0  # hang on this many transfers (longer than any client waits)
    slow: float = 0.0  # take the case, then wait this long before acknowledging
    callbacks: str = "normal"  # normal, duplicate, bad_signature, replay, none
    step_seconds: float | None = None


@dataclass
class SimState:
    cases: dict[str, dict] = field(default_factory=dict)  # idempotency key → case
    refused: list[str] = field(default_factory=list)  # why requests to us were refused
    callback_results: list[dict] = field(default_factory=list)  # what the hotline answered to our callbacks


def _now() -> str:
    return datetime.now(UTC).isoformat()


def create_sim(
    partner: str, key: str, callback_url: str, step_seconds: float = 2.0, state_file: Path | None = None
) -> FastAPI:
    declared = partner_of(partner)
    app = FastAPI(title=f"partner sim {partner}")
    mode = Mode(step_seconds=step_seconds)
    state = SimState()
    nonces: set[str] = set()
    if state_file and state_file.exists():
        state.cases = json.loads(state_file.read_text())["cases"]
    tasks: set[asyncio.Task] = set()

    def save() -> None:
        if state_file:
            state_file.write_text(json.dumps({"cases": state.cases}, ensure_ascii=False))

    def refuse(reason: str) -> JSONResponse:
        state.refused.append(reason)
        return JSONResponse({"ack": False, "error": reason}, status_code=401)

    async def post_callback(client: httpx.AsyncClient, path: str, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = sign_headers(key, "POST", path, body)
        if mode.callbacks == "bad_signature":
            forged = headers | {"X-Signature": "0" * 64}
            answer = await client.post(callback_url + path, content=body, headers=forged)
            state.callback_results.append(
                {"event_id": payload["event_id"], "kind": "forged", "status": answer.status_code}
            )
            headers = sign_headers(key, "POST", path, body)
        for attempt in range(120):  # the hotline may be restarting: keep trying for a while
            try:
                answer = await client.post(callback_url + path, content=body, headers=headers)
            except httpx.HTTPError:
                await asyncio.sleep(0.25)
                headers = sign_headers(key, "POST", path, body)
                continue
            state.callback_results.append(
                {
                    "event_id": payload["event_id"],
                    "kind": "signed",
                    "status": answer.status_code,
                    "attempt": attempt,
                    "body": answer.json()
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else None,
                }
            )
            if answer.status_code < 500:
                break
            await asyncio.sleep(0.25)
            headers = sign_headers(key, "POST", path, body)
        if mode.callbacks == "replay":  # the very same request again, nonce and all
            answer = await client.post(callback_url + path, content=body, headers=headers)
            state.callback_results.append(
                {"event_id": payload["event_id"], "kind": "replay", "status": answer.status_code}
            )
        if mode.callbacks == "duplicate":  # the same event again, freshly signed
            again = sign_headers(key, "POST", path, body)
            answer = await client.post(callback_url + path, content=body, headers=again)
            state.callback_results.append(
                {
                    "event_id": payload["event_id"],
                    "kind": "duplicate",
                    "status": answer.status_code,
                    "body": answer.json(),
                }
            )

    async def walk(idem: str) -> None:
        case = state.cases[idem]
        path = f"/api/linkage/{partner}/status"
        async with httpx.AsyncClient(timeout=10) as client:
            for status in declared.statuses:
                await asyncio.sleep(mode.step_seconds or 0)
                if mode.callbacks == "none":
                    return
                payload = {
                    "event_id": f"{case['case_id']}-{status}",
                    "idempotency_key": idem,
                    "case_id": case["case_id"],
                    "status": status,
                    "note": f"{declared.statuses[status]}（模拟）",
                    "at": _now(),
                }
                if not declared.emergency and status in declared.result_statuses:
                    payload["photos"] = [f"https://city.example/photos/{case['case_id']}-{status}.jpg"]
                    payload["location"] = (case.get("location") or {}) | {"lat": 28.2, "lng": 112.9}
                await post_callback(client, path, payload)
                case["callbacks_sent"].append(status)
                save()

    @app.post(declared.transfer_path)
    async def take_transfer(request: Request) -> JSONResponse:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        ok, reason = check_signature(key, "POST", request.url.path, body, headers, 300)
        if not ok:
            return refuse(reason)
        if headers["x-nonce"] in nonces:
            return refuse("replayed")
        nonces.add(headers["x-nonce"])
        if mode.fail > 0:
            mode.fail -= 1
            return JSONResponse({"ack": False, "error": "内部错误（模拟）"}, status_code=500)
        if mode.timeout > 0:
            mode.timeout -= 1
            await asyncio.sleep(3600)
        payload = json.loads(body)
        idem = payload["idempotency_key"]
        case = state.cases.get(idem)
        duplicate = case is not None
        if case is None:
            case = {
                "case_id": f"{declared.sim_case_prefix}{uuid.uuid4().hex[:10].upper()}",
                "ticket_number": payload.get("ticket_number"),
                "location": payload.get("location"),
                "photos": payload.get("photos"),
                "deliveries": 0,
                "callbacks_sent": [],
            }
            state.cases[idem] = case
            task = asyncio.create_task(walk(idem))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        case["deliveries"] += 1
        save()
        if mode.slow:
            await asyncio.sleep(mode.slow)
        return JSONResponse({"ack": True, "case_id": case["case_id"], "duplicate": duplicate})

    @app.post("/sim/mode")
    async def set_mode(request: Request) -> dict:
        for name, value in (await request.json()).items():
            setattr(mode, name, value)
        return asdict(mode)

    @app.get("/sim/state")
    async def get_state() -> dict:
        return asdict(state) | {"mode": asdict(mode)}

    @app.post("/sim/send-transfer")
    async def send_transfer(request: Request) -> dict:
        """Hand a case to the hotline. `times`: send it again with fresh signatures (same idempotency key);
        `replay`: send the identical request twice; `forge`: sign with a wrong key."""
        spec = await request.json()
        times, replay, forge = spec.pop("times", 1), spec.pop("replay", False), spec.pop("forge", False)
        spec.setdefault("idempotency_key", uuid.uuid4().hex)
        spec.setdefault("case_id", f"JJ{uuid.uuid4().hex[:8].upper()}")
        path = f"/api/linkage/{partner}/transfers"
        body = json.dumps(spec, ensure_ascii=False).encode()
        answers = []
        async with httpx.AsyncClient(timeout=10) as client:
            headers = sign_headers("wrong-key" if forge else key, "POST", path, body)
            for _ in range(times):
                answer = await client.post(callback_url + path, content=body, headers=headers)
                answers.append({"status": answer.status_code, "body": answer.json()})
                headers = headers if replay else sign_headers(key, "POST", path, body)
        return {"idempotency_key": spec["idempotency_key"], "answers": answers}

    return app
