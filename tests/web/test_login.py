"""/login: wrong passwords are told in Chinese, each role lands on its page, pages send strangers to /login."""

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from hotline.auth.models import LoginSession
from hotline.db import engine_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_wrong_password_is_told_in_chinese(site, shot):
    page = site.new_page()
    page.goto(f"{site.url}/login")
    page.get_by_label("用户名").fill(site.usernames["agent"])
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_label("密码").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    shot(page, "00-login-error")


@pytest.mark.parametrize(
    ("role", "home"), [("liaison", "/liaison"), ("supervisor", "/desk"), ("manager", "/analytics")]
)
def test_each_role_lands_on_its_page_and_can_sign_out(site, role, home):
    page = site.login(role, through_form=True)
    assert page.url.split("?")[0].endswith(home)
    expect(page.locator("#who")).to_contain_text(f"{role}-name")
    token = page.evaluate("localStorage.getItem('hotline.token')")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    assert page.evaluate("localStorage.getItem('hotline.token')") is None
    # ended on the server too: the token someone copied off this screen is worth nothing now
    answer = httpx.get(f"{site.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "session_ended"


def test_a_page_left_idle_sends_to_login_saying_why(site, shot):
    page = site.login("liaison", through_form=True)
    with Session(engine_for(site.database_url)) as session:
        for login in session.exec(select(LoginSession).where(LoginSession.user_id == site.actors["liaison"].id)):
            login.last_seen_at -= timedelta(minutes=31)  # half an hour without a click
            session.add(login)
        session.commit()
    page.reload()
    page.wait_for_url("**/login?next=*")
    expect(page.get_by_role("alert")).to_have_text("超过 30 分钟未操作，已自动退出，请重新登录")
    shot(page, "00-login-idle")
    page.get_by_label("用户名").fill(site.usernames["liaison"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/liaison")  # back where the person was


def test_a_page_without_a_session_sends_to_login_and_back(site):
    page = site.new_page()
    page.goto(f"{site.url}/desk")
    page.wait_for_url("**/login?next=%2Fdesk")
    page.get_by_label("用户名").fill(site.usernames["agent"])
    page.get_by_label("密码").fill("secret-pass-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/desk")


def test_a_liaison_who_opens_the_desk_is_sent_to_the_portal(site):
    page = site.login("liaison")
    page.goto(f"{site.url}/desk")
    page.wait_for_url("**/liaison")
