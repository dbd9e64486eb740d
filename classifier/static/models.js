// 分类模型管理: versions with their shadow scores beside the model that was active, switch and roll back.
import { api, clearError, requireUser, showError } from "/static/js/api.js";
import { el } from "/static/js/ui.js";
import { TIMEZONE } from "/centre.js";

const HEADS = [["department", "承办单位"], ["request_type", "诉求类型"], ["topic", "话题"]];
const SOURCES = { files: "共享数据", "from-db": "中心工单 + 共享数据" };

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function shadowCell(shadow) {
  if (!shadow || !shadow.n) return el("td", { class: "muted" }, "—");
  const parts = HEADS.map(([head, name]) => {
    const mine = shadow.candidate[head]?.accuracy;
    const theirs = shadow.active?.[head]?.accuracy;
    const cls = theirs === undefined || theirs === null || mine === null ? "" : mine > theirs ? "better" : mine < theirs ? "worse" : "";
    return el("div", { dataset: { head } }, `${name} `, el("span", { class: cls }, percent(mine)), ` ／ 在用 ${percent(theirs)}`);
  });
  return el("td", {}, el("div", { class: "muted small" }, `最新 ${shadow.n} 张工单，对比 ${shadow.active_id}`), ...parts);
}

function render(data) {
  const body = document.getElementById("models");
  body.replaceChildren(
    ...data.models.map((m) =>
      el(
        "tr",
        { class: m.active ? "active" : "", dataset: { model: m.id } },
        el("td", {}, m.id, m.active ? el("strong", {}, "（在用）") : null),
        el("td", {}, m.created_at ? new Date(m.created_at).toLocaleString("zh-CN", { timeZone: TIMEZONE }) : "—"),
        el("td", {}, SOURCES[m.source] || m.source),
        el("td", {}, String(m.tickets)),
        shadowCell(m.shadow),
        el("td", {}, String(m.marked_wrong)),
        el("td", {}, m.active ? null : el("button", { type: "button", class: "btn primary", dataset: { activate: m.id } }, "切换为在用")),
      ),
    ),
  );
  document.getElementById("rollback").disabled = !data.can_rollback;
}

async function act(path, done) {
  const error = document.getElementById("error");
  clearError(error);
  try {
    render(await api(path, { method: "POST" }));
    document.getElementById("status").textContent = done;
  } catch (exc) {
    showError(error, exc);
  }
}

async function main() {
  const user = await requireUser(["admin"]);
  document.getElementById("who").textContent = user.display_name || user.username;
  document.getElementById("models").addEventListener("click", (event) => {
    const id = event.target.dataset?.activate;
    if (id) act(`/api/classifier/models/${encodeURIComponent(id)}/activate`, `在用模型已切换为 ${id}`);
  });
  document.getElementById("rollback").addEventListener("click", () => act("/api/classifier/models/rollback", "已回退到上一个模型"));
  try {
    render(await api("/api/classifier/models"));
  } catch (exc) {
    showError(document.getElementById("error"), exc);
  }
}

main();
