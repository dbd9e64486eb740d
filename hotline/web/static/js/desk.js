// /desk: the centre's work queues with counts, 受理 (new ticket) and every step the queues need.

import { api, downloadAttachment } from "./api.js";
import { intakeForm } from "./intake-form.js";
import { startPage } from "./shell.js";
import { debounce, el, isTyping, toast } from "./ui.js";
import { createWorkbench } from "./workbench.js";

const ALL = "all";
const tabs = document.getElementById("queue-tabs");
const search = document.getElementById("search");
const caption = document.getElementById("list-caption");
const filters = document.getElementById("filters");
const PAGE = 50;
const STATES = {
  received: "待派单", dispatched: "待签收", returned: "退单待审", in_progress: "办理中", replied: "答复待审",
  callback_pending: "待回访", reopened: "重办待派", transferred: "已转联动单位", transfer_failed: "转办失败",
  closed: "已办结", merged: "已并单",
};
let offset = 0;
const picked = new Set();

// The filters as query parameters; any of them (or a search text) searches every ticket, not one queue.
function filterValues() {
  const values = {};
  for (const [key, value] of new FormData(filters).entries()) if (value) values[key] = value;
  return values;
}

function searching() {
  const { sort, ...rest } = filterValues();
  return Boolean(search.value.trim()) || Object.keys(rest).length > 0;
}

function currentQuery() {
  const query = { ...filterValues(), q: search.value.trim() };
  if (!searching()) query.queue = active === ALL ? null : active;
  return query;
}
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
    listQuery: () => ({ ...currentQuery(), limit: PAGE, offset }),
    emptyText: "没有符合条件的工单",
    picked,
    onPick: (number, on) => {
      if (on) picked.add(number);
      else picked.delete(number);
      showBulk();
    },
    onList: (page) => {
      const where = searching() ? "查询结果（全部工单）" : labels[active] || "";
      const sort = filters.elements.sort.selectedOptions[0].textContent;
      // Past a few thousand matches the server stops counting (total_capped): say "more than", never a guess.
      const count = page.total_capped ? `超过 ${page.total} 张` : `${page.total} 张`;
      caption.textContent = `${where} · ${count} · ${sort}`;
      const current = Math.floor(offset / PAGE) + 1;
      const pages = Math.max(1, Math.ceil(page.total / PAGE));
      document.getElementById("page-info").textContent = page.total_capped
        ? `第 ${current} 页（共 ${pages} 页以上）`
        : `第 ${current} / ${pages} 页`;
      document.getElementById("prev-page").disabled = offset === 0;
      document.getElementById("next-page").disabled = page.total_capped
        ? page.items.length < PAGE
        : offset + PAGE >= page.total;
    },
    onRefresh: loadQueues,
  });

  const reload = () => bench.loadList().catch((error) => toast(error.message, "error"));
  const fromStart = () => {
    offset = 0;
    reload();
  };

  function choose(queue) {
    active = queue;
    offset = 0;
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
  search.addEventListener("input", debounce(fromStart, 250));
  filters.addEventListener("change", fromStart);
  filters.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("clear-filters").addEventListener("click", () => {
    filters.reset();
    search.value = "";
    fromStart();
  });
  document.getElementById("prev-page").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    reload();
  });
  document.getElementById("next-page").addEventListener("click", () => {
    offset += PAGE;
    reload();
  });
  document.getElementById("export").addEventListener("click", () => {
    const params = new URLSearchParams(Object.entries(currentQuery()).filter(([, v]) => v));
    downloadAttachment(`/api/tickets/export?${params}`, "工单查询.xlsx").catch((e) => toast(e.message, "error"));
  });
  fillFilterChoices(departments);
  setUpBulk(bench, departments);

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

function fillFilterChoices(departments) {
  const options = (items) => items.map(([value, label]) => el("option", { value }, label));
  filters.elements.department_id.append(...options(departments.map((d) => [d.id, d.name])));
  filters.elements.state.append(...options(Object.entries(STATES)));
  const districts = [...new Set(departments.map((d) => d.district).filter(Boolean))].sort();
  document.getElementById("district-list").append(...districts.map((d) => el("option", { value: d })));
}

function showBulk() {
  document.getElementById("bulk-bar").hidden = picked.size === 0;
  document.getElementById("bulk-count").textContent = `已选 ${picked.size} 张`;
}

// 批量派单 / 批量催办: the server takes each ticket as its own step and says which could not be done and why.
function setUpBulk(bench, departments) {
  const target = document.getElementById("bulk-department");
  target.append(...departments.map((d) => el("option", { value: d.id }, d.name)));
  async function run(action) {
    const body = { action, numbers: [...picked] };
    if (action === "dispatch") {
      if (!target.value) return toast("请选择派单的承办单位", "error");
      body.department_id = Number(target.value);
    }
    try {
      const result = await api("/api/tickets/bulk", { method: "POST", json: body });
      const name = action === "dispatch" ? "派单" : "催办";
      toast(`批量${name}：完成 ${result.done.length} 张${result.failed.length ? `，未完成 ${result.failed.length} 张` : ""}`);
      for (const failure of result.failed) toast(`${failure.number}：${failure.message}`, "error");
      picked.clear();
      showBulk();
      await bench.refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  }
  document.getElementById("bulk-dispatch").addEventListener("click", () => run("dispatch"));
  document.getElementById("bulk-remind").addEventListener("click", () => run("remind"));
  document.getElementById("bulk-clear").addEventListener("click", () => {
    picked.clear();
    showBulk();
    bench.loadList();
  });
}

main().catch((error) => toast(error.message, "error"));
