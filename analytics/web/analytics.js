// 工单研判: the manager's dashboard. One report per query; every chart and list drills down to its tickets,
// every list exports to CSV, and the two buttons download the meeting pack.

import { api, downloadAttachment, showError, clearError } from "/static/js/api.js";
import { connectLive } from "/static/js/live.js";
import { setLiveStatus, startPage } from "/static/js/shell.js";
import { el, formatTime } from "/static/js/ui.js";
import { bars, columns } from "./charts.js";

const ROLES = ["manager", "supervisor", "admin"];
const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
const num = (v, d = 1) => (v === null || v === undefined ? "—" : Number(v).toFixed(d));
let current = null; // {from, to, district}
let drillQuery = null;

function query(extra = {}) {
  return { from: current.from, to: current.to, district: current.district, ...extra };
}

function table(headers, rows, drills = []) {
  const body = rows.map((cells, i) =>
    el("tr", drills[i] ? { dataset: { drill: JSON.stringify(drills[i]) } } : {}, cells.map((c) => el("td", {}, String(c ?? "—")))),
  );
  return el("table", { class: "an-table" }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))), el("tbody", {}, body));
}

function csvButton(name, extra = {}, label = "导出 CSV") {
  return el("button", { type: "button", class: "btn", "data-csv": name, onclick: () => exportCsv(name, extra) }, label);
}

async function exportCsv(name, extra = {}) {
  const params = new URLSearchParams(Object.entries(query(extra)).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  await downloadAttachment(`/api/analytics/export/${name}.csv?${params}`, `${name}_${current.from}_${current.to}.csv`);
}

async function drill(title, extra) {
  drillQuery = extra;
  const panel = document.getElementById("drill");
  panel.hidden = false;
  document.getElementById("drill-title").textContent = `工单明细：${title}`;
  const rows = await api("/api/analytics/tickets", { query: query(extra) });
  const list = document.getElementById("drill-list");
  list.replaceChildren(
    el("p", { class: "muted" }, `共 ${rows.length} 张`),
    table(["工单编号", "受理时间", "诉求摘要", "类型", "区县", "分类", "状态"],
      rows.map((r) => [r.number, formatTime(r.created_at), r.summary, r.request_type, r.district, r.topic, r.state_name])),
  );
  panel.scrollIntoView({ behavior: "instant", block: "start" });
}

function onDrillClick(event) {
  const target = event.target.closest("[data-drill]");
  if (!target) return;
  const spec = JSON.parse(target.dataset.drill);
  const { title, ...extra } = spec;
  drill(title, extra).catch((error) => showError(document.getElementById("error"), error));
}

function render(report) {
  const total = report.performance.total;
  const cards = [
    ["受理工单", report.ticket_count],
    ["上期", report.previous_count],
    ["派单量", total.assignments],
    ["签收及时率", pct(total.sign_rate)],
    ["按时办结率", pct(total.ontime_rate)],
    ["退单率", pct(total.return_rate)],
    ["延期率", pct(total.extension_rate)],
    ["回访率", pct(total.callback_rate)],
    ["满意率", pct(total.satisfaction_rate)],
    ["平均办理（工作日）", num(total.average_handling_days, 2)],
    // calls have no district until a ticket gives them one: with a district chosen, the rate is still the centre's
    [report.district ? `热线接通率（${report.hotline_scope}）` : "热线接通率", pct(report.hotline.answer_rate)],
  ];
  document.getElementById("scope").textContent = `${report.district || "全市"} · ${report.period.label}`;
  document.getElementById("summary").replaceChildren(
    ...cards.map(([name, value]) => el("div", { class: "an-card" }, el("div", { class: "value" }, String(value)), el("div", { class: "name" }, name))),
  );
  document.getElementById("trend-chart").replaceChildren(
    columns(report.daily.map((d) => ({ label: d.day.slice(5), value: d.count, drill: { title: `${d.day} 受理`, day: d.day } }))),
  );
  // The ten hottest topics, drawn by count (the panel shows shares; the list below keeps the hotness order).
  // An empty chart is a blank box that looks broken: say why there is nothing to draw.
  document.getElementById("topic-chart").replaceChildren(report.topics.length
    ? bars([...report.topics.slice(0, 10)].sort((a, b) => b.count - a.count).map((t) => ({ label: t.label, value: t.count, unit: " 件", drill: { title: t.label, ids: t.ticket_ids.join(",") } })), { unit: " 件" })
    : el("p", { class: "empty" }, "本期没有两张及以上反映同一事项的工单"),
  );
  const ranked = report.performance.departments.filter((f) => f.score !== null).slice(0, 12);
  document.getElementById("department-chart").replaceChildren(ranked.length
    ? bars(ranked.map((f) => ({ label: f.name, value: f.score, drill: { title: `派给${f.name}`, department_id: f.key } })))
    : el("p", { class: "empty" }, "本期没有派单 5 次及以上的单位，不排名"),
  );
  const categories = Object.keys(report.categories);
  const grid = report.district_grid;
  const top = Math.max(1, ...Object.values(grid).flatMap((row) => Object.values(row)));
  const heatRows = Object.entries(grid).map(([district, row]) =>
    el("tr", {}, el("th", {}, district), categories.map((c) => {
      const v = row[c] || 0;
      const alpha = (v / top).toFixed(2);
      return el("td", { class: "heat", style: `background: rgba(224, 83, 47, ${alpha})`, dataset: { drill: JSON.stringify({ title: `${district} · ${c}`, district: district, category: c }) } }, String(v));
    })),
  );
  document.getElementById("district-map").replaceChildren(heatRows.length
    ? el("table", { class: "an-table" }, el("thead", {}, el("tr", {}, el("th", {}, "区县"), categories.map((c) => el("th", {}, c)))), el("tbody", {}, heatRows))
    : el("p", { class: "empty" }, "本期没有受理工单"),
  );
  const h = report.hotline;
  document.getElementById("hotline").replaceChildren(table(["指标", "数值"], [
    ["呼入量", h.offered], ["接通量", h.answered], ["接通率", pct(h.answer_rate)], ["15 秒接通率", pct(h.within_15s_rate)],
    ["放弃量", h.abandoned], ["平均等待（秒）", num(h.average_wait_seconds)], ["平均通话（秒）", num(h.average_handle_seconds)],
    ["任意 24 小时最低接通率", pct(h.worst_24h_answer_rate)], ["低于 95% 的窗口", h.windows_below_target],
  ]), csvButton("hotline"));
  const lists = {
    topics: [["热点事项", "关键词", "地点", "件数", "上期", "重复来电", "点赞", "热度"],
      report.topics.map((t) => [t.label, t.keywords.join("、"), t.places.join("、"), t.count, t.previous, t.repeat_tickets, t.likes, t.hotness]),
      report.topics.map((t) => ({ title: t.label, ids: t.ticket_ids.join(",") }))],
    rising: [["类型", "日期", "事项", "地点", "件数", "此前件数", "预期件数"],
      report.rising.map((r) => [r.kind, r.day || "全期", r.label, r.places.join("、"), r.count, r.previous, r.baseline_mean]),
      report.rising.map((r) => ({ title: `${r.kind} ${r.day || report.period.label} ${r.label}`, ids: r.ticket_ids.join(",") }))],
    repeats: [["类型", "事项", "工单数", "未办结", "建议", "并入主单"],
      report.repeats.map((c) => [c.kind, c.subject, c.numbers.length, c.open_count, c.suggestion, c.merge_into || ""]),
      report.repeats.map((c) => ({ title: c.subject, ids: c.ticket_ids.join(",") }))],
    departments: perfList(report.performance.departments, (f) => ({ title: `派给${f.name}`, department_id: f.key })),
    districts: perfList(report.performance.districts, (f) => ({ title: f.name, district: f.key })),
  };
  for (const [name, [headers, rows, drills]] of Object.entries(lists)) {
    const section = document.querySelector(`[data-list=${name}]`);
    section.querySelector("h2").after(csvButton(name));
    section.querySelectorAll("[data-csv]").forEach((b, i) => i > 0 && b.remove());
    section.querySelector(".an-list").replaceChildren(rows.length ? table(headers, rows, drills) : el("p", { class: "empty" }, "本期无"));
  }
  const alerts = document.getElementById("rising-alerts");
  // the period's new and rising matters first, then the latest spikes
  const shown = [...report.rising.filter((r) => !r.day), ...report.rising.filter((r) => r.day).reverse()].slice(0, 3);
  alerts.replaceChildren(...shown.map((r) => el("p", { class: "alert" }, risingText(r))));
}

// 新出现 / 上升 over the period, 突发 on one day (analytics/spikes.py)
function risingText(r) {
  if (r.day) return `突发预警：${r.day}「${r.label}」当日 ${r.count} 件（前 14 天日均 ${r.baseline_mean}）`;
  const before = r.previous ? `此前 ${r.previous} 件，按同样速度预期 ${r.baseline_mean} 件` : "此前没有";
  return `${r.kind}预警：「${r.label}」本期 ${r.count} 件（${before}）`;
}

function perfList(figures, drillOf) {
  return [["名次", "名称", "派单", "签收及时率", "按时办结率", "退单率", "延期率", "回访率", "满意率", "平均办理（工作日）", "得分"],
    figures.map((f) => [f.rank ?? "—", f.name, f.assignments, pct(f.sign_rate), pct(f.ontime_rate), pct(f.return_rate), pct(f.extension_rate), pct(f.callback_rate), pct(f.satisfaction_rate), num(f.average_handling_days, 2), f.score ?? "—"]),
    figures.map(drillOf)];
}

async function load() {
  const error = document.getElementById("error");
  clearError(error);
  const form = document.getElementById("filters");
  current = { from: form.from.value, to: form.to.value, district: form.district.value };
  history.replaceState(null, "", `?${new URLSearchParams(current)}`);
  document.body.dataset.loading = "true";
  try {
    const report = await api("/api/analytics/report", { query: current });
    addDistricts(Object.keys(report.district_grid));
    render(report);
  } catch (e) {
    showError(error, e);
  } finally {
    document.body.dataset.loading = "false";
  }
}

// The districts to choose from: the department catalogue's (区县政府 and their streets) and any a report has shown.
const districts = new Set();

function addDistricts(names) {
  const select = document.getElementById("district");
  const chosen = select.value;
  const before = districts.size;
  for (const name of names) if (name && name !== "未注明区县") districts.add(name);
  if (districts.size === before && select.options.length > 1) return;
  select.replaceChildren(el("option", { value: "" }, "全市"), ...[...districts].sort().map((d) => el("option", { value: d }, d)));
  select.value = chosen;
}

function defaults() {
  const params = new URLSearchParams(location.search);
  // the centre's calendar day `offset` days ago (formatTime shows the centre's time, whatever the browser's zone)
  const day = (offset) => formatTime(new Date(Date.now() - offset * 86400_000).toISOString()).slice(0, 10);
  const form = document.getElementById("filters");
  form.from.value = params.get("from") || day(30);
  form.to.value = params.get("to") || day(1);
  const chosen = params.get("district") || "";
  addDistricts([chosen]);
  form.district.value = chosen;
}

await startPage({ roles: ROLES });
defaults();
try {
  addDistricts((await api("/api/departments")).map((d) => d.district));
} catch (e) {
  showError(document.getElementById("error"), e);
}
document.getElementById("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  load();
});
document.querySelector(".an-main").addEventListener("click", onDrillClick);
document.getElementById("drill-csv").addEventListener("click", () => exportCsv("tickets", drillQuery || {}));
for (const kind of ["xlsx", "pdf"]) {
  document.getElementById(`pack-${kind}`).addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const params = new URLSearchParams(Object.entries(query()).filter(([, v]) => v));
      const scope = current.district ? `_${current.district}` : "";
      await downloadAttachment(`/api/analytics/pack.${kind}?${params}`, `研判会材料_${current.from}_${current.to}${scope}.${kind}`);
    } catch (e) {
      showError(document.getElementById("error"), e);
    } finally {
      button.disabled = false;
    }
  });
}
connectLive({
  onEvent(event) {
    if (event.type !== "analytics.rising") return;
    document.getElementById("rising-alerts").prepend(el("p", { class: "alert" }, risingText(event.payload)));
  },
  onStatus: setLiveStatus,
});
await load();
