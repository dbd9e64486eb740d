"""Quiet logs: a normal hang-up is one INFO line with the call id; a console that vanishes mid-stream is no error."""

import asyncio
import logging
import re

from tests.console.conftest import Console, run


def test_a_normal_hang_up_is_one_info_line_and_a_vanished_console_no_error(app, caplog):
    caplog.set_level(logging.INFO)
    app.api("agent", "POST", "/api/acd/me/state", json={"state": "ready"})

    async def console_that_vanishes() -> None:
        console = await Console.open(app.ws_url, app.token("agent"))
        app.api("supervisor", "POST", "/api/acd/calls", json={"call_id": "quiet-1", "caller_phone": "13912345678"})
        await console.next(skip=("heartbeat", "acd.agent_state"))
        console.ws.transport.abort()  # the browser tab is closed mid-call: no close frame
        await asyncio.sleep(0.5)

    run(console_that_vanishes())
    queued = app.api("agent", "GET", "/api/acd/me")["queued_call_id"]
    app.api("agent", "POST", f"/api/acd/calls/{queued}/accept")
    app.api("supervisor", "POST", "/api/acd/calls/by-id/quiet-1/hangup")
    app.api("supervisor", "POST", "/api/acd/calls/by-id/quiet-1/hangup")  # the PBX says it twice: still one line
    run(asyncio.sleep(0.5))

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    ended = [r for r in caplog.records if "quiet-1" in r.getMessage() and not r.name.startswith("httpx")]
    assert [(r.name, r.levelno) for r in ended] == [("routing.acd.service", logging.INFO)]
    said = re.fullmatch(
        rf"call quiet-1 ended: answered by agent {app.people.actors['agent'].id}, (\d+) s", ended[0].getMessage()
    )
    assert said and int(said[1]) <= 5, ended[0].getMessage()  # the seconds on a busy machine may round up
