// Public lookups: no login, plain JSON, Chinese messages from the server's {"error": {"message"}}.

import { formatTime } from "/static/js/ui.js";

const $ = (selector) => document.querySelector(selector);

// The centre's local time (HOTLINE_TIMEZONE), whatever the zone of the caller's phone or computer.
function when(iso) {
  return iso ? formatTime(iso) : "";
}

function row(label, value) {
  if (!value) return "";
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = label;
  dd.textContent = value;
  return dt.outerHTML + dd.outerHTML;
}

function timeline(steps) {
  const list = document.createElement("ol");
  list.className = "timeline";
  for (const step of steps) {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.textContent = when(step.at);
    item.append(time, document.createTextNode(step.text));
    if (step.merged) {
      // a step of the ticket it was merged into (并单): the handling the caller now waits on
      item.className = "merged";
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "合并办理";
      item.append(" ", tag);
    }
    list.append(item);
  }
  return list;
}

async function lookup(path, body) {
  $("#error").hidden = true;
  $("#result").hidden = true;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    throw new Error("无法连接服务器，请检查网络后重试");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.error && data.error.message) || `查询失败（${response.status}）`);
  return data;
}

function show(title, rows, steps) {
  const result = $("#result");
  result.innerHTML = `<h2></h2><dl>${rows.join("")}</dl>`;
  result.querySelector("h2").textContent = title;
  result.append(timeline(steps));
  result.hidden = false;
}

function fail(error) {
  $("#error").textContent = error.message;
  $("#error").hidden = false;
}

$("#ticket-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const t = await lookup("/api/selfservice/ticket", { number: form.get("number"), phone: form.get("phone") });
    show(`工单 ${t.number}：${t.state_text}`, [
      row("诉求", `${t.request_type} · ${t.summary}`),
      row("办理方式", t.merged ? "与其他市民反映的相同诉求合并办理，进展和结果与合并办理的工单一致" : ""),
      row("承办单位", t.department),
      row("受理时间", when(t.created_at)),
      row("办理时限", when(t.due_at)),
      row("办理结果", t.answer),
    ], t.steps);
  } catch (error) {
    fail(error);
  }
});

$("#approval-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const a = await lookup("/api/selfservice/approval", { application_no: form.get("application_no"), identity: form.get("identity"), name: form.get("name") || null });
    show(`${a.item_name}：${a.stage_text}`, [
      row("申办号", a.application_no),
      row("受理部门", a.department),
      row("申请人", a.applicant),
      row("办件类型", a.kind === "承诺件" ? `承诺件（${a.promised_days} 个工作日）` : "即办件"),
      row("承诺办结日期", a.kind === "承诺件" ? when(a.due_at) : ""),
    ], a.steps);
  } catch (error) {
    fail(error);
  }
});

for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[data-tab]")) other.setAttribute("aria-selected", String(other === tab));
    for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== tab.dataset.tab;
    $("#error").hidden = true;
    $("#result").hidden = true;
  });
}
