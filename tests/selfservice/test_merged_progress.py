"""Self-service for a merged ticket (并单) over loopback HTTP: its caller follows the main ticket's handling and
reads its answer, and learns nothing about the main ticket's caller."""

import httpx
import pytest
from sqlmodel import Session

from hotline.db import engine_for
from hotline.localtime import format_centre
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from selfservice.progress import find_progress, without_identity
from selfservice.ratelimit import reset_local

MAIN_PHONE, MAIN_NAME = "13911112222", "王建国"
CHILD_PHONE = "13833334444"
REPLY = f"网友“UU008810”您好！已联系来电人{MAIN_NAME}（{MAIN_PHONE}），搅拌站已停工整改，夜间不再施工。"


@pytest.fixture(autouse=True)
def fresh_limits():
    reset_local()
    yield
    reset_local()


def merged_pair(database_url: str, people) -> tuple[str, str]:
    """Two callers about one concrete plant; the second ticket is merged into the first, which is then handled."""
    with Session(engine_for(database_url)) as s:
        main = service.intake(s, people.agent, TicketDraft(
            RequestType.complaint, "丽发新城搅拌站夜间施工", f"我是{MAIN_NAME}，住丽发新城3栋，搅拌站夜里施工",
            caller_phone=MAIN_PHONE, caller_name=MAIN_NAME)).number  # fmt: skip
        service.dispatch(s, people.agent, main, people.housing.id)
        draft = TicketDraft(RequestType.complaint, "搅拌站噪音扰民", "丽发新城旁的搅拌站太吵", caller_phone=CHILD_PHONE)
        child = service.intake(s, people.agent, draft).number
        service.merge(s, people.agent, child, main, note="同一搅拌站")
        service.sign(s, people.liaison, main)
        service.supervise(s, people.manager, main, "内部：领导批示")
        service.reply(s, people.liaison, main, REPLY)
        service.review_reply(s, people.supervisor, main, accept=True)
        return main, child


def lookup(url: str, number: str, phone: str) -> httpx.Response:
    return httpx.post(f"{url}/api/selfservice/ticket", json={"number": number, "phone": phone})


def test_a_merged_ticket_shows_the_main_tickets_progress_and_answer(db, people, live_server):
    main, child = merged_pair(db, people)
    answer = lookup(live_server.url, child, CHILD_PHONE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["number"] == child and body["merged"] is True and body["summary"] == "搅拌站噪音扰民"
    assert body["state_text"] == "已与相同诉求合并办理，已办理完毕，等待回访"  # where the shared handling stands
    assert body["department"] == "A市住房和城乡建设局" and body["due_at"]
    # whom the reply addresses (the web handle), the main caller's name and phone: taken out
    assert body["answer"] == "市民您好！已联系来电人***（***），搅拌站已停工整改，夜间不再施工。"
    texts = [(s["text"], s["merged"]) for s in body["steps"]]
    assert texts[:2] == [("您的诉求已受理", False), ("与相同诉求合并办理，以下为合并办理的进展", False)]
    # the main ticket's handling, its dispatch before the merge too; not its intake (another person's call)
    assert texts[2:] == [("已交由A市住房和城乡建设局办理", True), ("A市住房和城乡建设局已签收，正在办理", True),
                         ("承办单位已答复，热线正在审核", True), ("答复已审核通过，等待回访", True)]  # fmt: skip
    for secret in (MAIN_PHONE, MAIN_NAME, main, "UU008810", "丽发新城3栋", "丽发新城搅拌站夜间施工", "领导批示",
                   "liaison-name"):  # fmt: skip
        assert secret not in answer.text, secret
    # the main ticket's caller sees their own ticket as before: their answer, their intake
    own = lookup(live_server.url, main, MAIN_PHONE).json()
    assert own["merged"] is False and own["answer"] == REPLY and own["steps"][0]["text"] == "您的诉求已受理"
    # the phone of one caller opens nothing of the other's ticket
    assert lookup(live_server.url, main, CHILD_PHONE).status_code == 404
    # closed together: the callback of the main ticket closes both
    with Session(engine_for(db)) as s:
        service.callback(s, people.agent, main, True)
    closed = lookup(live_server.url, child, CHILD_PHONE).json()
    assert closed["state"] == "closed" and closed["state_text"] == "已与相同诉求合并办理，已办结"
    assert closed["steps"][-1] == {"at": closed["steps"][-1]["at"], "text": "已办结", "merged": True}
    assert [s["text"] for s in closed["steps"]].count("已办结") == 1  # the child's own closing is the same step
    voice = httpx.post(f"{live_server.url}/api/selfservice/voice", json={"digits": child, "caller_phone": CHILD_PHONE})
    assert "已与相同诉求合并办理" in voice.json()["speech"] and MAIN_NAME not in voice.text


@pytest.mark.parametrize(("reply", "shown"), [
    ("网友“UU008810”您好！来信收悉。", "市民您好！来信收悉。"),
    ("UU0081557： 根据《A市环城绿带生态圈建设工作实施方案》", "市民： 根据《A市环城绿带生态圈建设工作实施方案》"),
    ("“UU0082130”： 您好，您反映的“丽发新城搅拌站”问题已处理", "市民： 您好，您反映的“丽发新城搅拌站”问题已处理"),
    ("尊敬的“UU0081081”：您好！", "尊敬的市民：您好！"),
    ("张先生：您好，已电话联系13911112222核实", "市民：您好，已电话联系***核实"),
    ("您好！您的留言已收悉。现将有关情况回复如下：", "您好！您的留言已收悉。现将有关情况回复如下："),
    ("来信网友“UU0082406”自述其爱人为我县职工", "来信网友自述其爱人为我县职工"),
])  # fmt: skip
def test_replies_lose_whom_they_address_but_keep_what_they_say(reply, shown):
    """Real openings of replies (messages/replied.csv): most address the web user by handle or name."""
    assert without_identity(reply, None) == shown


def test_before_the_main_ticket_is_answered_no_answer_is_shown(db, people):
    with Session(engine_for(db)) as s:
        main = service.intake(s, people.agent, TicketDraft(RequestType.help, "路灯不亮", "小区路灯坏了",
                                                           caller_phone=MAIN_PHONE)).number  # fmt: skip
        child = service.intake(s, people.agent, TicketDraft(RequestType.help, "路灯坏了", "路灯不亮",
                                                            caller_phone=CHILD_PHONE)).number  # fmt: skip
        service.merge(s, people.agent, child, main)
        service.dispatch(s, people.agent, main, people.transport.id)
        progress = find_progress(s, child, CHILD_PHONE)
    assert progress.state == "merged" and progress.answer is None
    assert progress.state_text == "已与相同诉求合并办理，已派发承办单位，等待签收"
    assert progress.department == "A市交通运输局"
    assert [(s.text, s.merged) for s in progress.steps][-1] == ("已交由A市交通运输局办理", True)
    assert format_centre(progress.steps[0].at)  # aware moments: the page shows them in the centre's zone
