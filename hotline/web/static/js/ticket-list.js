// A list of tickets, nearest deadline first (the server's order), each row a button; arrow keys move along it.

import { DEADLINE_NAMES, countdown, currentDeadline, el, stateBadge } from "./ui.js";

// `picked` (a Set of numbers), when given, puts a checkbox before each row for the desk's bulk steps.
function row(ticket, { selected, showDepartment, onSelect, picked, onPick }) {
  const due = currentDeadline(ticket);
  return el(
    "li",
    {},
    picked
      ? el("input", {
          type: "checkbox",
          class: "pick",
          "aria-label": `选择工单 ${ticket.number}`,
          checked: picked.has(ticket.number),
          dataset: { number: ticket.number },
          onchange: (event) => onPick(ticket.number, event.target.checked),
        })
      : null,
    el(
      "button",
      {
        type: "button",
        class: `ticket-row${ticket.number === selected ? " selected" : ""}`,
        "aria-current": ticket.number === selected ? "true" : null,
        dataset: { number: ticket.number },
        onclick: () => onSelect(ticket.number),
      },
      el(
        "span",
        { class: "row-top" },
        el("span", { class: "ticket-number" }, ticket.number),
        stateBadge(ticket.state, ticket.state_name),
        ticket.urgency === "urgent" ? el("span", { class: "badge urgent" }, "紧急") : null,
        ticket.urgency === "high" ? el("span", { class: "badge high" }, "较急") : null,
        ticket.supervised ? el("span", { class: "badge supervised" }, "督办") : null,
      ),
      el("span", { class: "row-summary" }, ticket.summary),
      el(
        "span",
        { class: "row-bottom" },
        el("span", { class: "muted" }, showDepartment ? ticket.department?.name || "未派单" : ticket.request_type),
        due
          ? el(
              "span",
              { class: "row-due" },
              el("span", { class: "muted" }, DEADLINE_NAMES[due.field].replace("时限", "")),
              countdown(due.at, { urgent: ticket.urgency === "urgent", flag: ticket.sla_flag }),
            )
          : null,
      ),
    ),
  );
}

function moveFocus(list, event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const rows = [...list.querySelectorAll(".ticket-row")];
  const index = rows.indexOf(document.activeElement);
  if (index < 0) return;
  event.preventDefault();
  rows[Math.max(0, Math.min(rows.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))].focus();
}

export function renderTicketList(container, tickets, options) {
  if (!tickets.length) {
    container.replaceChildren(el("p", { class: "empty" }, options.emptyText || "没有工单"));
    return;
  }
  const list = el("ul", { class: "ticket-list", "aria-label": "工单列表" }, tickets.map((t) => row(t, options)));
  list.addEventListener("keydown", (event) => moveFocus(list, event));
  const hadFocus = container.contains(document.activeElement) ? document.activeElement.dataset?.number : null;
  container.replaceChildren(list);
  if (hadFocus) list.querySelector(`[data-number="${hadFocus}"]`)?.focus();
}
