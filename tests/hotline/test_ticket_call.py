"""The ticket keeps its call: both legs of the transcript with times and the recording, by role; 保密 keeps the
caller's identity inside the centre in every view (API, call view, Open311) through one function."""

import wave
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from hotline.callers.models import Call
from hotline.callers.service import add_segment, ensure_call
from hotline.db import engine_for
from hotline.settings import get_settings
from hotline.tickets.privacy import mask_numbers, shown_caller
from selfservice.settings import get_selfservice_settings
from tests.conftest import login_client

CALLER = "13912345678"


def _recording(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with wave.open(str(folder / name), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)


def _call_with_transcript(db: str, call_id: str) -> None:
    with Session(engine_for(db)) as session:
        ensure_call(session, call_id, caller_phone=CALLER)
        add_segment(session, call_id, "agent", 0.5, 2.0, "您好，12345 热线，请讲", 0.9)
        add_segment(session, call_id, "caller", 2.5, 6.0, "我要举报楼下饭店占道经营，我电话是 13912345678", 0.9)
        call = session.exec(select(Call).where(Call.external_id == call_id)).one()
        call.recording_ref = f"{call_id}.wav"
        session.add(call)
        session.commit()
    _recording(get_settings().var_dir / "recordings", f"{call_id}.wav")


def _file(agent: httpx.Client, call_id: str, confidential: bool, department_id: int) -> str:
    body = {
        "request_type": "举报",
        "summary": "楼下饭店占道经营",
        "description": "饭店在人行道上摆桌，回电打幺三九幺二三四五六七八",
        "caller_phone": CALLER,
        "caller_name": "王建国",
        "callback_phone": "0731-88889999",
        "confidential": confidential,
        "call_id": call_id,
    }
    answer = agent.post("/api/tickets", json=body)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    assert agent.post(f"/api/tickets/{number}/dispatch", json={"department_id": department_id}).status_code == 200
    return number


@pytest.mark.parametrize("confidential", [False, True])
def test_desk_and_liaison_see_the_call_by_role(db, people, live_server, confidential):
    call_id = f"pbx-{int(confidential)}"
    _call_with_transcript(db, call_id)
    agent = login_client(live_server.url, "agent1")
    liaison = login_client(live_server.url, "zj_liaison")
    number = _file(agent, call_id, confidential, people.housing.id)

    mine = agent.get(f"/api/tickets/{number}").json()
    assert mine["caller_phone"] == "139****5678" and mine["caller_name"] == "王建国"
    assert mine["callback_phone"] == "073****9999" and mine["has_call"] and not mine["caller_hidden"]
    call = agent.get(f"/api/tickets/{number}/call").json()
    assert [line["leg"] for line in call["transcript"]] == ["agent", "caller"]  # both legs, in order
    assert call["transcript"][1]["at"] and "13912345678" in call["transcript"][1]["text"]  # inside the centre
    assert call["recording_url"] == f"/api/tickets/{number}/recording"
    audio = agent.get(call["recording_url"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"

    theirs = liaison.get(f"/api/tickets/{number}").json()
    seen = liaison.get(f"/api/tickets/{number}/call")
    assert seen.status_code == 200
    if confidential:
        assert theirs["caller_phone"] is None and theirs["caller_name"] is None and theirs["callback_phone"] is None
        assert theirs["caller_hidden"]
        assert seen.json()["withheld"] and seen.json()["transcript"] == [] and seen.json()["recording_url"] is None
        assert liaison.get(f"/api/tickets/{number}/recording").status_code == 404
    else:
        assert theirs["caller_phone"] == "139****5678" and theirs["caller_name"] == "王建国"
        assert theirs["description"].endswith("139****5678") and mine["description"].endswith("幺二三四五六七八")
        text = seen.json()["transcript"][1]["text"]
        assert "13912345678" not in text and "139****5678" in text  # liaisons never read the full number
        assert liaison.get(seen.json()["recording_url"]).status_code == 200
    assert CALLER not in liaison.get(f"/api/tickets/{number}").text


def test_a_ticket_without_a_call_says_so(db, people, live_server):
    agent = login_client(live_server.url, "agent1")
    body = {"request_type": "咨询", "summary": "问", "description": "问"}
    number = agent.post("/api/tickets", json=body).json()["number"]
    answer = agent.get(f"/api/tickets/{number}/call")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "no_call"


def test_open311_does_not_show_a_confidential_tickets_words(db, people, live_server, monkeypatch):
    monkeypatch.setenv("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", '["city-app-key"]')
    get_selfservice_settings.cache_clear()
    _call_with_transcript(db, "pbx-open311")
    number = _file(login_client(live_server.url, "agent1"), "pbx-open311", True, people.housing.id)
    found = httpx.get(f"{live_server.url}/open311/v2/requests/{number}.json", params={"api_key": "city-app-key"})
    get_selfservice_settings.cache_clear()
    assert found.status_code == 200
    assert found.json()[0]["description"] == "举报（保密）"
    assert "王建国" not in found.text and "139" not in found.text


def test_the_one_masking_function() -> None:
    assert shown_caller(True, CALLER, "王", None, "liaison").hidden
    assert shown_caller(True, CALLER, "王", None, None).phone is None  # Open311, exports for outside
    inside = shown_caller(True, CALLER, "王", "13800001111", "supervisor")
    assert (inside.phone, inside.name, inside.callback_phone) == ("139****5678", "王", "138****1111")
    assert mask_numbers("电话 139 1234 5678，座机 0731-88889999") == "电话 139****5678，座机 073****9999"
    assert mask_numbers("回电打零七三幺 八八八八 九九九九，谢谢") == "回电打073****9999，谢谢"
    assert mask_numbers("2018年8月，一共三百元") == "2018年8月，一共三百元"
