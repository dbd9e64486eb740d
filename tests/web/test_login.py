"""/login: wrong passwords are told in Chinese, each role lands on its page, pages send strangers to /login."""

import pytest
from playwright.sync_api import expect

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
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    assert page.evaluate("localStorage.getItem('hotline.token')") is None


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
