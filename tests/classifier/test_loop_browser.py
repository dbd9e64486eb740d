"""The learning loop in Debian's Chromium: the admin page shows a candidate trained from the centre's tickets with
its shadow scores beside the active model's, switches to it and rolls back; on the console an agent marks a wrong
suggestion with one click and the mark is stored with the model that made it and the unit the agent chose."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from classifier.loop import train_from_db
from classifier.models import SuggestionFeedback
from classifier.predictor import default_model_dir
from classifier.registry import BASE_ID, active_id
from hotline.db import engine_for
from tests.classifier.test_loop import UNITS, annotated_messages
from tests.conftest import error_of, login_client
from tests.console.test_call_panel import answer, ready, ring, say
from tests.web.conftest import browser, shot, site  # noqa: F401  (the browser fixtures)

pytestmark = pytest.mark.browser
CODES = {"住建": "CITY-ZJ", "交通": "CITY-JT", "属地": "A2-GOV"}


@pytest.fixture
def model_site(site, small_model: Path):  # noqa: F811
    """The live site with the small real model as its base model."""
    shutil.copytree(small_model, default_model_dir())
    return site


def test_admin_switches_to_a_candidate_from_the_tickets_and_rolls_back(model_site, sample_dir: Path, shot):  # noqa: F811
    live = model_site
    for row in annotated_messages(sample_dir, set(UNITS), 10):
        body = {"request_type": row["request_type"], "summary": row["title"][:200], "description": row["body"]}
        ticket = live.api("agent", "POST", "/api/tickets", json=body)
        unit = {"department_id": live.departments[CODES[row["department"]]]}
        live.api("agent", "POST", f"/api/tickets/{ticket['number']}/dispatch", json=unit)
    root = default_model_dir()
    with Session(engine_for(live.database_url)) as session:
        candidate = train_from_db(session, root, sample_dir / "labelled.csv", sample_dir)
    version = candidate["model_id"]

    page = live.login("admin")
    page.goto(f"{live.url}/admin/classifier")
    rows = page.locator("#models tr")
    expect(rows).to_have_count(2)
    new_row = page.locator(f"#models tr[data-model='{version}']")
    expect(new_row).to_contain_text("中心工单 + 共享数据")
    expect(new_row).to_contain_text("最新 2 张工单，对比 base")  # 10 tickets: the newest fifth in shadow
    shadow = candidate["shadow"]
    mine = shadow["candidate"]["department"]["accuracy"]
    expect(new_row.locator("[data-head=department]")).to_contain_text(f"{mine * 100:.1f}%")
    active_row = page.locator(f"#models tr[data-model='{BASE_ID}'].active")
    expect(active_row).to_contain_text("在用")
    assert active_row.evaluate("row => getComputedStyle(row).backgroundColor") == "rgb(238, 247, 238)"  # its CSS
    expect(page.locator("#rollback")).to_be_disabled()
    shot(page, "classifier-admin-before-switch")

    new_row.get_by_role("button", name="切换为在用").click()
    expect(page.locator("#status")).to_have_text(f"在用模型已切换为 {version}")
    expect(page.locator(f"#models tr[data-model='{version}'].active")).to_contain_text("在用")
    assert active_id(root) == version
    answer_ = live.api("agent", "POST", "/api/classify", json={"text": "小区物业乱收停车费，业主很不满"})
    assert answer_["model"] == version  # the next suggestion comes from the new model

    page.get_by_role("button", name="回退到上一个模型").click()
    expect(page.locator("#status")).to_have_text("已回退到上一个模型")
    expect(page.locator(f"#models tr[data-model='{BASE_ID}'].active")).to_be_visible()
    assert active_id(root) == BASE_ID
    expect(page.locator("#rollback")).to_be_disabled()
    shot(page, "classifier-admin-after-rollback")


def test_admin_page_is_for_admins_only(model_site):
    live = model_site
    page = live.login("agent")
    page.goto(f"{live.url}/admin/classifier")
    page.wait_for_url("**/desk")  # sent home: not an admin


def test_agent_marks_a_wrong_department_in_one_click(model_site, shot):  # noqa: F811
    live = model_site
    page = ready(live)
    call_id = ring(live, "13912345678")
    answer(page, call_id)
    say(live, call_id, "出租车司机拒载还绕路，昨晚在火车站打车，司机不打表还骂人", 1.0)
    row = page.locator("#suggestion .suggest-row[data-head=department]")
    row.wait_for()
    suggested = row.locator("strong").inner_text()
    other = "A市住房和城乡建设局" if suggested != "A市住房和城乡建设局" else "A市交通运输局"
    page.locator("#department_id").select_option(label=other)  # the agent's own choice
    row.get_by_role("button", name="有误").click()
    expect(row.get_by_role("button", name="已标记")).to_be_disabled()
    expect(page.locator(".toast").last).to_contain_text(f"正确值“{other}”将在下次训练中加权")
    shot(page, "console-marked-wrong")
    with Session(engine_for(live.database_url)) as session:
        marks = session.exec(select(SuggestionFeedback)).all()
    assert [(m.head, m.suggested, m.correct, m.model_id) for m in marks] == [("department", suggested, other, BASE_ID)]
    assert "出租车" in marks[0].text


def test_model_api_refuses_non_admins_unknown_models_and_bad_marks_in_chinese(model_site):
    live = model_site
    agent = login_client(live.url, live.usernames["agent"])
    admin = login_client(live.url, live.usernames["admin"])
    error_of(agent.get("/api/classifier/models"), 403, "role_forbidden")
    error_of(admin.post("/api/classifier/models/v-none/activate"), 404, "model_not_found")
    error_of(admin.post("/api/classifier/models/rollback"), 422, "nothing_to_roll_back")
    mark = {"head": "话题", "suggested": "住建", "model": "base", "text": "物业乱收费"}
    error_of(agent.post("/api/classifier/feedback", json=mark), 422, "bad_head")
    liaison = login_client(live.url, live.usernames["liaison"])
    error_of(liaison.post("/api/classifier/feedback", json=mark | {"head": "department"}), 403, "role_forbidden")
    with Session(engine_for(live.database_url)) as session:
        assert session.exec(select(SuggestionFeedback)).all() == []  # nothing half-written
    same = agent.post("/api/classifier/feedback", json=mark | {"head": "department", "correct": "住建"})
    assert same.status_code == 201 and "此建议有误" in same.json()["message"]  # the same value is no correction
    listed = admin.get("/api/classifier/models").json()
    assert listed["active"] == BASE_ID and listed["models"][0]["marked_wrong"] == 1
    (default_model_dir() / "registry.json").write_text("{torn", encoding="utf-8")
    assert "模型登记文件已损坏" in error_of(admin.get("/api/classifier/models"), 503)["message"]
    assert "模型登记文件已损坏" in error_of(agent.post("/api/classify", json={"text": "物业乱收费"}), 503)["message"]
