// /login: sign in, then go to the page for the role (or back to where the user was sent from).

import { ApiError, api, clearError, homeFor, saveSession, showError, takeSignedOutReason } from "./api.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const signedOut = takeSignedOutReason(); // e.g. 超过 30 分钟未操作，已自动退出，请重新登录
if (signedOut) showError(errorBox, signedOut);

// The pages each role may be sent back to after signing in (besides its home).
const ROLE_PAGES = {
  agent: ["/desk", "/console"],
  supervisor: ["/desk", "/console", "/wallboard", "/analytics"],
  manager: ["/analytics", "/desk", "/wallboard"],
  admin: ["/desk", "/wallboard", "/analytics"],
  liaison: ["/liaison"],
};

// Only follow `next` to a page of this site that fits the role.
function destination(role) {
  const home = homeFor(role);
  const next = new URLSearchParams(location.search).get("next") || "";
  const allowed = [home, ...(ROLE_PAGES[role] || [])];
  return allowed.some((page) => next === page || next.startsWith(`${page}?`) || next.startsWith(`${page}#`)) ? next : home;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError(errorBox);
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  if (!username || !password) {
    showError(errorBox, "请输入用户名和密码");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const session = await api("/api/auth/login", { method: "POST", json: { username, password } });
    saveSession(session.access_token, session.user);
    location.assign(destination(session.user.role));
  } catch (error) {
    showError(errorBox, error instanceof ApiError ? error : "登录失败，请稍后重试");
    form.elements.password.select();
  } finally {
    button.disabled = false;
  }
});
