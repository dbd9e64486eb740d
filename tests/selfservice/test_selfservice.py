"""Caller self-service over loopback HTTP: ticket progress, approval status, voice, Open311, rate limits, audit."""

import httpx
import pytest
from sqlmodel import Session, select

from approvals_bridge.embedded import seed_demo
from approvals_bridge.models import ApprovalCase
from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from selfservice.models import LookupAudit
from selfservice.ratelimit import reset_local
from selfservice.settings import get_selfservice_settings
from tests.conftest import real_data

PHONE = "13812345678"


@pytest.fixture
def limits(monkeypatch):
    def configure(ip: int = 100, number: int = 100) -> None:
        monkeypatch.setenv("HOTLINE_SELFSERVICE_IP_LIMIT", str(ip))
        monkeypatch.setenv("HOTLINE_SELFSERVICE_NUMBER_LIMIT", str(number))
        monkeypatch.setenv("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", '["city-app-key"]')
        get_selfservice_settings.cache_clear()
        reset_local()

    configure()
    yield configure
    get_selfservice_settings.cache_clear()
    reset_local()


def handled_ticket(db, people) -> str:
    with Session(engine_for(db)) as s:
        draft = TicketDraft(RequestType.complaint, "夜间施工噪音", "工地夜间施工，噪音扰民", caller_phone=PHONE)
        number = service.intake(s, people.agent, draft).number
        service.dispatch(s, people.agent, number, people.housing.id, note="内部备注：该工地多次被投诉")
        service.sign(s, people.liaison, number)
        service.supervise(s, people.manager, number, "领导批示：从严处理")
        service.reply(s, people.liaison, number, "已责令施工单位停止夜间施工")
        service.review_reply(s, people.supervisor, number, accept=True)
        return number


def test_ticket_progress_identity_rate_limits_and_audit(db, people, live_server, limits):
    number = handled_ticket(db, people)
    lookup = lambda n, p: httpx.post(f"{live_server.url}/api/selfservice/ticket", json={"number": n, "phone": p})  # noqa: E731
    found = lookup(number, PHONE)
    assert found.status_code == 200
    body = found.json()
    assert body["state_text"] == "已办理完毕，等待回访" and body["department"] == "A市住房和城乡建设局"
    assert body["answer"] == "已责令施工单位停止夜间施工"
    texts = [s["text"] for s in body["steps"]]
    assert texts[0] == "您的诉求已受理" and "已交由A市住房和城乡建设局办理" in texts
    raw = found.text
    for secret in ("内部备注", "领导批示", "agent-name", "liaison-name", "supervisor-name", "manager-name", PHONE):
        assert secret not in raw
    wrong_phone, unknown = lookup(number, "13900000000"), lookup("2001010001", PHONE)
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.json() == unknown.json()  # nothing tells a wrong phone from a wrong number

    limits(ip=100, number=3)
    statuses = [lookup(number, "1390000000" + str(i)).status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]  # guessing phones for one number stops after three
    assert lookup(number, PHONE).status_code == 429
    limits(ip=2, number=100)
    assert [lookup(f"20010100{i:02d}", PHONE).status_code for i in range(3)] == [404, 404, 429]
    with Session(engine_for(db)) as s:
        outcomes = [a.outcome for a in s.exec(select(LookupAudit).order_by(LookupAudit.id))]
    # Three refusals, two audit rows: the number's first refusal and the address's; the repeat is not written again.
    assert outcomes[:3] == ["found", "not_found", "not_found"] and outcomes.count("rate_limited") == 2


def test_approval_status_by_page_api(db, live_server, limits):
    with Session(engine_for(db)) as s:
        seed_demo(s, real_data(), 10)
        case = s.exec(select(ApprovalCase)).first()
    url = f"{live_server.url}/api/selfservice/approval"
    ok = httpx.post(
        url, json={"application_no": case.application_no, "identity": case.id_last6, "name": case.applicant_name}
    )
    assert ok.status_code == 200 and ok.json()["item_name"] == case.item_name
    assert case.applicant_phone not in ok.text and case.applicant_name not in ok.text
    wrong = httpx.post(url, json={"application_no": case.application_no, "identity": "13000000000"})
    unknown = httpx.post(url, json={"application_no": "SB000", "identity": case.applicant_phone})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    page = httpx.get(f"{live_server.url}/selfservice")
    assert page.status_code == 200 and "自助查询" in page.text and 'name="viewport"' in page.text
    assert httpx.get(f"{live_server.url}/selfservice/static/selfservice.js").status_code == 200


def test_voice_self_service_on_spoken_phrasings(db, people, live_server, limits):
    number = handled_ticket(db, people)
    spoken = "".join("零幺二三四五六七八九"[int(d)] for d in number)
    voice = lambda **body: httpx.post(f"{live_server.url}/api/selfservice/voice", json=body).json()  # noqa: E731
    plain = voice(text=f"我的工单号是{spoken.replace('幺', '一')}", caller_phone=PHONE)
    assert plain["number"] == number and plain["found"]
    assert plain["speech"].startswith(f"您的工单{spoken}，已办理完毕，等待回访")
    # Vosk's spaced words, with the phone spoken too (幺三八…), from another line.
    words = " ".join(spoken)
    heard = voice(
        text=f"我 的 工单 号 是 {words} 手机 号 是 幺 三 八 幺 二 三 四 五 六 七 八", caller_phone="02588888888"
    )
    assert heard["found"] and heard["number"] == number
    keyed = voice(digits=f"{number}#", caller_phone=PHONE)
    assert keyed["found"]
    stranger = voice(digits=number, caller_phone="13900000000")
    assert not stranger["found"] and "没有查到" in stranger["speech"]
    nothing = voice(text="我想问一下我的那个事情", caller_phone=PHONE)
    assert nothing["number"] is None and "没有听清" in nothing["speech"]


def test_voice_lookups_without_a_number_are_limited_and_refusals_audited_once(db, live_server, limits):
    limits(ip=5, number=100)
    url = f"{live_server.url}/api/selfservice/voice"
    statuses = [httpx.post(url, json={"text": "嗯嗯啊啊"}).status_code for _ in range(12)]
    assert statuses == [200] * 5 + [429] * 7
    with Session(engine_for(db)) as s:
        outcomes = [a.outcome for a in s.exec(select(LookupAudit))]
    assert outcomes == ["no_number"] * 5 + ["rate_limited"]  # not 500 rows for 500 tries


@pytest.mark.redis
def test_limits_count_in_redis_and_fall_back_when_it_is_down(db, live_server, limits, monkeypatch):
    from tests.conftest import REDIS_URL, require_redis, reset_settings

    require_redis()
    limits(ip=3, number=100)
    url = f"{live_server.url}/api/selfservice/ticket"
    monkeypatch.setenv("HOTLINE_REDIS_URL", REDIS_URL)
    reset_settings()
    import redis

    redis.Redis.from_url(REDIS_URL).delete(*redis.Redis.from_url(REDIS_URL).keys("hotline:ratelimit*") or ["none"])
    lookup = lambda: httpx.post(url, json={"number": "2001010001", "phone": PHONE}).status_code  # noqa: E731
    assert [lookup() for _ in range(4)] == [404, 404, 404, 429]
    assert redis.Redis.from_url(REDIS_URL).keys("hotline:ratelimit*")  # counted where every worker sees it
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")  # Redis gone: answers, never a 500
    reset_settings()
    assert [lookup() for _ in range(4)] == [404, 404, 404, 429]
