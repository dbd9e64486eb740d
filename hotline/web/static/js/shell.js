// The frame every signed-in page shares: who is signed in, the live-feed light and 退出登录.

import { api, logout, requireUser } from "./api.js";
import { ROLE_NAMES, startCountdownClock } from "./ui.js";

const LIVE_TEXT = { open: "实时更新中", closed: "连接中断，正在重连…", connecting: "正在连接…" };

export function setLiveStatus(status) {
  const light = document.getElementById("live-status");
  if (!light) return;
  light.dataset.status = status;
  light.textContent = LIVE_TEXT[status] || status;
}

// Resolves with the user once the server has confirmed the session and the role fits this page.
export async function startPage({ roles }) {
  setLiveStatus("connecting");
  const user = await requireUser(roles);
  let department = null;
  if (user.department_id) department = await api(`/api/departments/${user.department_id}`);
  const who = document.getElementById("who");
  who.textContent = [user.display_name, ROLE_NAMES[user.role], department?.name].filter(Boolean).join(" · ");
  document.getElementById("logout").addEventListener("click", logout);
  // Links to the other pages show only for the roles that may use them (data-roles="agent supervisor").
  for (const link of document.querySelectorAll("[data-roles]")) {
    link.hidden = !link.dataset.roles.split(" ").includes(user.role);
  }
  startCountdownClock();
  keepLoginWhileUsed();
  return { user, department };
}

// The server ends a login left idle (HOTLINE_SESSION_IDLE_MINUTES); a person clicking or typing on a page that makes
// no requests of its own is not idle, so say so, at most once a minute (the server writes no more often anyway).
function keepLoginWhileUsed() {
  let last = Date.now();
  const used = () => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    api("/api/auth/me").catch(() => {}); // a 401 here already sends the page to the login
  };
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, used, { passive: true });
}
