// The list-and-detail workspace both the desk and the liaison portal are built on: a ticket list,
// the selected ticket with its deadlines, steps and timeline, and a live refresh on every event.

import { actionsFor, isBusy, isFormOpen, renderActions } from "./actions.js";
import { api, downloadAttachment } from "./api.js";
import { connectLive } from "./live.js";
import { setLiveStatus } from "./shell.js";
import { renderCall } from "./call-view.js";
import { renderTicketList } from "./ticket-list.js";
import { renderDeadlines, renderTicketFacts, renderTicketHeader, renderTicketTexts } from "./ticket-view.js";
import { debounce, el, renderTimeline, toast } from "./ui.js";

// options: {user, departments, listPane, detailPane, listQuery(), showDepartment, emptyText, onList(page), onRefresh(),
//           onEvent(event): every live event, before the refresh}
export function createWorkbench(options) {
  const { listPane, detailPane } = options;
  let selected = decodeURIComponent(location.hash.slice(1)) || null;
  let shown = null; // the ticket on screen, with its action area
  let actionsBox = null;

  let latestList = 0; // answers can come back out of order: only the newest request's list is drawn

  async function loadList() {
    const request = ++latestList;
    const page = await api("/api/tickets", { query: { limit: 200, ...options.listQuery() } });
    if (request !== latestList) return page;
    renderTicketList(listPane, page.items, {
      selected,
      showDepartment: options.showDepartment,
      emptyText: options.emptyText,
      onSelect: select,
      picked: options.picked,
      onPick: options.onPick,
    });
    options.onList?.(page);
    return page;
  }

  function openAttachment(file) {
    downloadAttachment(file.url, file.filename).catch((error) => toast(error.message, "error"));
  }

  function afterStep(updated) {
    selected = updated.number;
    actionsBox = null; // the step is done: its form goes
    refresh();
  }

  // Keep a half-filled form through a live refresh while its step is still possible; warn when it is not.
  function actionArea(ticket) {
    const sameTicket = shown && shown.number === ticket.number;
    if (sameTicket && actionsBox && isBusy(actionsBox)) return actionsBox;
    if (sameTicket && actionsBox && isFormOpen(actionsBox)) {
      const open = actionsBox.querySelector(".action-form").dataset.action;
      if (actionsFor(ticket).some((a) => a.id === open)) return actionsBox;
      toast(`工单 ${ticket.number} 已被他人处理（现为「${ticket.state_name}」），请按最新状态办理`, "warn");
    }
    actionsBox = el("section", { class: "actions", "aria-label": "操作" });
    renderActions(actionsBox, ticket, { departments: options.departments, onDone: afterStep });
    return actionsBox;
  }

  function renderDetail(ticket, events) {
    const box = actionArea(ticket);
    shown = ticket;
    detailPane.replaceChildren(
      el(
        "article",
        { class: "ticket-detail", dataset: { number: ticket.number, state: ticket.state } },
        el(
          "div",
          { class: "detail-main" },
          renderTicketHeader(ticket),
          el(
            "a",
            { class: "btn print-link", href: `/tickets/${encodeURIComponent(ticket.number)}/print`, target: "_blank" },
            "打印工单",
          ),
          options.showDepartment && ticket.caller_phone
            ? el("a", { class: "btn caller-link", href: `/caller/${encodeURIComponent(ticket.number)}` }, "来电人全部工单")
            : null,
          renderDeadlines(ticket),
          box,
          renderTicketTexts(ticket),
          renderTicketFacts(ticket),
          renderCall(ticket),
        ),
        el(
          "section",
          { class: "detail-timeline", "aria-label": "流转记录" },
          el("h3", {}, "流转记录"),
          renderTimeline(events, { onAttachment: openAttachment }),
        ),
      ),
    );
  }

  function showProblem(message) {
    shown = null;
    detailPane.replaceChildren(el("div", { class: "alert", role: "alert" }, message));
  }

  let latestDetail = 0; // likewise for the detail: a slow older answer must not bring back an older state

  async function loadDetail() {
    if (!selected) return;
    const request = ++latestDetail;
    const number = selected;
    try {
      const [ticket, events] = await Promise.all([
        api(`/api/tickets/${number}`),
        api(`/api/tickets/${number}/events`),
      ]);
      if (request === latestDetail && number === selected) renderDetail(ticket, events);
    } catch (error) {
      if (request === latestDetail && number === selected) showProblem(error.message);
    }
  }

  async function select(number) {
    selected = number;
    history.replaceState(null, "", `#${encodeURIComponent(number)}`);
    listPane.querySelectorAll(".ticket-row").forEach((row) => {
      const on = row.dataset.number === number;
      row.classList.toggle("selected", on);
      if (on) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    shown = null;
    actionsBox = null;
    detailPane.replaceChildren(el("p", { class: "muted loading" }, "正在加载…"));
    await loadDetail();
  }

  async function refresh() {
    try {
      await Promise.all([loadList(), loadDetail(), options.onRefresh?.()]);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // Replace the detail pane with something of the page's own (the desk's intake form).
  function showPanel(node) {
    selected = null;
    shown = null;
    history.replaceState(null, "", location.pathname);
    listPane.querySelectorAll(".ticket-row.selected").forEach((row) => row.classList.remove("selected"));
    detailPane.replaceChildren(node);
  }

  // A ticket number typed or pasted into the address (…#2405060001) opens that ticket.
  window.addEventListener("hashchange", () => {
    const number = decodeURIComponent(location.hash.slice(1));
    if (number && number !== selected) select(number);
  });

  const liveRefresh = debounce(refresh, 200);
  let connectedBefore = false;
  connectLive({
    onEvent: (event) => {
      options.onEvent?.(event);
      liveRefresh();
    },
    onStatus: (status) => {
      setLiveStatus(status);
      if (status === "open" && connectedBefore) liveRefresh(); // catch up on what passed while away
      if (status === "open") connectedBefore = true;
    },
  });

  return { refresh, select, showPanel, loadList };
}
