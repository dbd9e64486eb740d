// /desk: the centre's work queues with counts, 受理 (new ticket) and every step the queues need.

import { api } from "./api.js";
import { intakeForm } from "./intake-form.js";
import { startPage } from "./shell.js";
import { debounce, el, isTyping, toast } from "./ui.js";
import { createWorkbench } from "./workbench.js";

const ALL = "all";
const tabs = document.getElementById("queue-tabs");
const search = document.getElementById("search");
const caption = document.getElementById("list-caption");
let active = sessionStorage.getItem("desk.queue") || "to_dispatch";
let labels = {};

function renderTabs(queues) {
  labels = { ...Object.fromEntries(Object.entries(queues).map(([k, q]) => [k, q.label])), [ALL]: "全部工单" };
  if (!(active in labels)) active = "to_dispatch";
  const entries = [...Object.entries(queues), [ALL, { label: "全部工单", count: null }]];
  const focused = tabs.contains(document.activeElement) ? document.activeElement.dataset.queue : null;
  tabs.replaceChildren(
    ...entries.map(([key, queue]) =>
      el(
        "button",
        {
          type: "button",
          role: "tab",
          class: "tab",
          id: `tab-${key}`,
          "aria-selected": key === active ? "true" : "false",
          tabindex: key === active ? "0" : "-1",
          dataset: { queue: key },
        },
        queue.label,
        queue.count === null ? null : el("span", { class: `tab-count${queue.count ? " has" : ""}` }, String(queue.count)),
      ),
    ),
  );
  if (focused) document.getElementById(`tab-${focused}`)?.focus();
}

async function main() {
  const { user } = await startPage({ roles: ["agent", "supervisor", "manager", "admin"] });
  const departments = await api("/api/departments");
  const loadQueues = async () => renderTabs(await api("/api/tickets/queues"));
  const bench = createWorkbench({
    user,
    departments,
    listPane: document.getElementById("ticket-list"),
    detailPane: document.getElementById("detail"),
    showDepartment: true,
    listQuery: () => ({ queue: active === ALL ? null : active, q: search.value.trim() }),
    emptyText: "这个队列里没有工单",
    onList: (page) => {
      caption.textContent = `${labels[active] || ""} · ${page.total} 张 · 按最近时限排列`;
    },
    onRefresh: loadQueues,
  });

  function choose(queue) {
    active = queue;
    sessionStorage.setItem("desk.queue", queue);
    tabs.querySelectorAll(".tab").forEach((tab) => {
      const on = tab.dataset.queue === queue;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    bench.loadList().catch((error) => toast(error.message, "error"));
  }

  tabs.addEventListener("click", (event) => {
    const tab = event.target.closest(".tab");
    if (tab) choose(tab.dataset.queue);
  });
  tabs.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const all = [...tabs.querySelectorAll(".tab")];
    const index = all.findIndex((tab) => tab.dataset.queue === active);
    const next = all[(index + (event.key === "ArrowRight" ? 1 : all.length - 1)) % all.length];
    choose(next.dataset.queue);
    next.focus();
  });
  search.addEventListener("input", debounce(() => bench.loadList().catch((e) => toast(e.message, "error")), 250));

  function openIntake() {
    const form = intakeForm({
      onFiled: (ticket) => {
        toast(`已受理，工单编号 ${ticket.number}`);
        choose("to_dispatch");
        bench.select(ticket.number);
      },
      onCancel: () => bench.showPanel(el("p", { class: "empty" }, "请从左侧选择一张工单，或点击「受理新工单」")),
    });
    bench.showPanel(form);
    form.querySelector("select, input")?.focus();
  }
  const intakeButton = document.getElementById("new-ticket");
  intakeButton.hidden = !["agent", "supervisor"].includes(user.role);
  intakeButton.addEventListener("click", openIntake);

  document.addEventListener("keydown", (event) => {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      event.preventDefault();
      search.focus();
    } else if ((event.key === "n" || event.key === "N") && !intakeButton.hidden) {
      event.preventDefault();
      openIntake();
    }
  });

  await loadQueues();
  await bench.refresh();
}

main().catch((error) => toast(error.message, "error"));
