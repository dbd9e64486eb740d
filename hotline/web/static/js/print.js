// /tickets/{number}/print — 工单打印: the ticket as a printable form (facts, texts, the whole history).
// The caller's number is masked and a 保密 ticket's identity withheld exactly as on screen (the server decides).

import { api, requireUser } from "./api.js";
import { ROLE_NAMES, el, formatTime } from "./ui.js";

const SATISFACTION = { satisfied: "满意", dissatisfied: "不满意" };
const URGENCY = { normal: "普通", high: "较急", urgent: "紧急" };

function rows(pairs) {
  return pairs.filter(([, value]) => value !== null && value !== undefined && value !== "").map(([label, value]) =>
    el("tr", {}, el("th", {}, label), el("td", { class: "text" }, String(value))),
  );
}

function history(events) {
  return el(
    "table",
    { "aria-label": "流转记录" },
    el("tr", {}, el("th", {}, "时间"), el("th", {}, "环节"), el("th", {}, "办理人"), el("th", {}, "说明")),
    events.map((e) =>
      el(
        "tr",
        {},
        el("td", {}, formatTime(e.at)),
        el("td", {}, e.action_name),
        el("td", {}, `${e.actor_name}（${ROLE_NAMES[e.actor_role] || e.actor_role}）${e.department ? ` · ${e.department}` : ""}`),
        el("td", { class: "text" }, e.note || ""),
      ),
    ),
  );
}

async function main() {
  await requireUser(["agent", "supervisor", "manager", "admin", "liaison"]);
  const number = decodeURIComponent(location.pathname.split("/")[2]);
  const sheet = document.getElementById("sheet");
  try {
    const [ticket, events] = await Promise.all([api(`/api/tickets/${number}`), api(`/api/tickets/${number}/events`)]);
    document.title = `工单 ${ticket.number} · 工单打印`;
    sheet.replaceChildren(
      el("h1", {}, "12345 政务服务便民热线 工单"),
      el("p", { class: "sub" }, `工单编号 ${ticket.number} · 打印时间 ${formatTime(new Date().toISOString())}`),
      el(
        "table",
        { "aria-label": "工单信息" },
        rows([
          ["状态", ticket.state_name],
          ["诉求类型", ticket.request_type],
          ["紧急程度", URGENCY[ticket.urgency]],
          ["标题", ticket.summary],
          ["受理时间", formatTime(ticket.created_at)],
          ["来电号码", ticket.caller_hidden ? "保密" : ticket.caller_phone],
          ["来电人", ticket.caller_name],
          ["回访号码", ticket.callback_phone],
          ["区县", ticket.district],
          ["地址", ticket.address],
          ["承办单位", ticket.department?.name || "未派单"],
          ["签收时限", ticket.sign_due_at && formatTime(ticket.sign_due_at)],
          ["答复时限", ticket.reply_due_at && formatTime(ticket.reply_due_at)],
          ["办结时间", ticket.closed_at && formatTime(ticket.closed_at)],
          ["满意度", SATISFACTION[ticket.satisfaction]],
          ["诉求内容", ticket.description],
          ["直接答复", ticket.answer],
          ["承办单位答复", ticket.latest_reply],
        ]),
      ),
      el("h2", {}, "流转记录"),
      history(events),
    );
  } catch (error) {
    sheet.replaceChildren(el("p", { class: "alert", role: "alert" }, error.message));
  }
}

document.getElementById("print").addEventListener("click", () => window.print());
main();
