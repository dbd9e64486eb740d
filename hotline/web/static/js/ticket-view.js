// One ticket on screen: its title, facts, every deadline and what has been answered so far.

import { DEADLINE_NAMES, countdown, currentDeadline, el, formatTime, stateBadge } from "./ui.js";

const SATISFACTION = { satisfied: "满意", dissatisfied: "不满意" };

function fact(label, value) {
  if (value === null || value === undefined || value === "" || value === 0) return null;
  return [el("dt", {}, label), el("dd", {}, String(value))];
}

// 签收时限 / 答复时限 / 回访时限 side by side; the one that runs now shows its time left.
export function renderDeadlines(ticket) {
  const current = currentDeadline(ticket);
  return el(
    "dl",
    { class: "deadlines", "aria-label": "时限" },
    Object.entries(DEADLINE_NAMES).map(([field, name]) => {
      const isCurrent = current?.field === field;
      return el(
        "div",
        { class: `deadline${isCurrent ? " current" : ""}`, dataset: { deadline: field }, "aria-current": isCurrent ? "true" : null },
        el("dt", {}, name),
        el("dd", {}, formatTime(ticket[field])),
        isCurrent ? el("dd", {}, countdown(ticket[field], { urgent: ticket.urgency === "urgent", flag: ticket.sla_flag })) : null,
      );
    }),
  );
}

export function renderTicketHeader(ticket) {
  return el(
    "header",
    { class: "ticket-head" },
    el(
      "div",
      { class: "ticket-title" },
      el("span", { class: "ticket-number" }, ticket.number),
      stateBadge(ticket.state, ticket.state_name),
      ticket.urgency === "urgent" ? el("span", { class: "badge urgent" }, "紧急") : null,
      ticket.urgency === "high" ? el("span", { class: "badge high" }, "较急") : null,
      ticket.confidential ? el("span", { class: "badge confidential" }, "保密") : null,
      ticket.supervised ? el("span", { class: "badge supervised" }, "督办") : null,
    ),
    el("h2", {}, ticket.summary),
  );
}

export function renderTicketFacts(ticket) {
  const facts = [
    fact("诉求类型", ticket.request_type),
    fact("承办单位", ticket.department?.name || "未派单"),
    fact("区域", ticket.district),
    fact("地址", ticket.address),
    fact("来电号码", ticket.caller_hidden ? "保密" : ticket.caller_phone),
    fact("来电人", ticket.caller_name),
    fact("回访号码", ticket.callback_phone),
    fact("受理时间", formatTime(ticket.created_at)),
    ticket.dispatched_at ? fact("派单时间", formatTime(ticket.dispatched_at)) : null,
    ticket.closed_at ? fact("办结时间", formatTime(ticket.closed_at)) : null,
    fact("主单", ticket.parent_number),
    fact("退单次数", ticket.return_count),
    fact("已延期", ticket.extended_days ? `${ticket.extended_days} 个工作日` : null),
    fact("催办次数", ticket.reminder_count),
    fact("重办次数", ticket.reopen_count),
    fact("满意度", SATISFACTION[ticket.satisfaction]),
  ];
  return el("dl", { class: "facts" }, facts.filter(Boolean).flat());
}

function textBlock(title, text, kind = "") {
  if (!text) return null;
  return el("section", { class: `text-block ${kind}` }, el("h3", {}, title), el("p", {}, text));
}

export function renderTicketTexts(ticket) {
  const pending = ticket.pending_extension_days
    ? `申请延期 ${ticket.pending_extension_days} 个工作日：${ticket.pending_extension_reason || ""}`
    : null;
  return [
    textBlock("延期申请（待中心审核）", pending, "notice"),
    textBlock("诉求内容", ticket.description),
    textBlock("直接答复", ticket.answer),
    textBlock("承办单位答复", ticket.latest_reply),
  ];
}
