// Small helpers every page uses: building elements, times in the centre's time zone, state badges,
// deadline countdowns, the ticket timeline and toasts.

import { TIMEZONE } from "/centre.js"; // HOTLINE_TIMEZONE, from the server

export { TIMEZONE };

export const ROLE_NAMES = {
  agent: "话务员",
  supervisor: "班长",
  liaison: "联络员",
  manager: "管理者",
  admin: "系统管理员",
  system: "系统",
};

export const DEADLINE_NAMES = {
  sign_due_at: "签收时限",
  reply_due_at: "答复时限",
  callback_due_at: "回访时限",
};

// `el("button", {class: "primary", onclick: fn}, "签收")`; attributes with null/false are left out.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const DATE_TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: TIMEZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

// "2024-05-06 14:30" in the centre's time, whatever the browser's own zone.
export function formatTime(iso) {
  if (!iso) return "—";
  const parts = Object.fromEntries(DATE_TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function stateBadge(state, name) {
  return el("span", { class: `badge state-${state}` }, name);
}

// How long until (or since) a deadline, in words: "剩 2天3小时", "超期 40分钟".
export function durationWords(ms) {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return hours ? `${days}天${hours}小时` : `${days}天`;
  if (hours) return mins ? `${hours}小时${mins}分` : `${hours}小时`;
  return `${mins}分钟`;
}

// The server marks near-due in working hours (sla_flag); between its sweeps the page also warns on plain hours.
const NEAR_HOURS = { normal: 4, urgent: 0.5 };

export function dueLevel(iso, { urgent = false, flag = null } = {}) {
  const left = new Date(iso) - Date.now();
  if (left <= 0 || flag === "overdue") return "overdue";
  if (flag === "near_due" || left < NEAR_HOURS[urgent ? "urgent" : "normal"] * 3600_000) return "near";
  return "ok";
}

function fillCountdown(node) {
  const { due, urgent, flag } = node.dataset;
  const left = new Date(due) - Date.now();
  const level = dueLevel(due, { urgent: urgent === "1", flag: flag || null });
  node.className = `countdown due-${level}`;
  node.textContent = left > 0 ? `剩 ${durationWords(left)}` : `超期 ${durationWords(left)}`;
  node.title = `${formatTime(due)} 到期`;
}

// A live "time left" label; `refreshCountdowns` keeps every one on the page current.
export function countdown(iso, { urgent = false, flag = null } = {}) {
  if (!iso) return el("span", { class: "countdown due-none" }, "—");
  const node = el("span", { dataset: { due: iso, urgent: urgent ? "1" : "", flag: flag || "" } });
  fillCountdown(node);
  return node;
}

export function refreshCountdowns(root = document) {
  root.querySelectorAll("[data-due]").forEach(fillCountdown);
}

export function startCountdownClock(seconds = 30) {
  return setInterval(() => refreshCountdowns(), seconds * 1000);
}

// The deadline that matters now, as the server orders lists (tickets/models.DUE_OF_STATE): null once closed.
export function currentDeadline(ticket) {
  const field = {
    dispatched: "sign_due_at",
    in_progress: "reply_due_at",
    replied: "reply_due_at",
    callback_pending: "callback_due_at",
  }[ticket.state];
  return field && ticket[field] ? { field, at: ticket[field] } : null;
}

function changedDeadlines(event) {
  return Object.keys(DEADLINE_NAMES)
    .filter((field) => event.after[field] && event.before[field] && event.after[field] !== event.before[field])
    .map((field) =>
      el("div", { class: "tl-change" }, `${DEADLINE_NAMES[field]}：${formatTime(event.before[field])} → ${formatTime(event.after[field])}`),
    );
}

// The ticket's history, oldest first; `onAttachment(attachment)` opens a file.
export function renderTimeline(events, { onAttachment } = {}) {
  if (!events.length) return el("p", { class: "muted" }, "暂无流转记录");
  return el(
    "ol",
    { class: "timeline", "aria-label": "流转记录" },
    events.map((event) =>
      el(
        "li",
        { class: `tl-item tl-${event.action}`, dataset: { action: event.action } },
        el(
          "div",
          { class: "tl-head" },
          el("strong", { class: "tl-action" }, event.action_name),
          el("time", { datetime: event.at }, formatTime(event.at)),
        ),
        el(
          "div",
          { class: "tl-who muted" },
          `${event.actor_name}（${ROLE_NAMES[event.actor_role] || event.actor_role}）`,
          event.department ? ` · ${event.department}` : "",
          event.to_state_name && event.to_state !== event.from_state ? ` · 转为「${event.to_state_name}」` : "",
        ),
        event.note ? el("div", { class: "tl-note" }, event.note) : null,
        changedDeadlines(event),
        event.attachments.length
          ? el(
              "ul",
              { class: "tl-files", "aria-label": "附件" },
              event.attachments.map((file) =>
                el(
                  "li",
                  {},
                  el(
                    "a",
                    {
                      href: file.url,
                      class: "file-link",
                      onclick: (e) => {
                        e.preventDefault();
                        onAttachment?.(file);
                      },
                    },
                    file.filename,
                  ),
                  el("span", { class: "muted" }, ` ${formatSize(file.size)}`),
                ),
              ),
            )
          : null,
      ),
    ),
  );
}

function toastArea() {
  let area = document.getElementById("toasts");
  if (!area) {
    area = el("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(area);
  }
  return area;
}

// A short message in the corner; errors stay longer than confirmations.
export function toast(message, kind = "ok") {
  const item = el("div", { class: `toast toast-${kind}` }, message);
  toastArea().append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 3500);
  return item;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// True while the user is typing, so single-key shortcuts stay out of the way.
export function isTyping(event) {
  const target = event.target;
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}
