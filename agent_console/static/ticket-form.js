// The ticket of the call in progress: prefilled from the suggestions (fields the agent has not touched
// follow the suggestions as the call goes on), then filed once and taken through one action:
// 派单, 直接答复 (with the knowledge article used), 并单, 转 110 / 转数字城管.

import { api, clearError, showError } from "/static/js/api.js";
import { el } from "/static/js/ui.js";
import { headValue } from "/console/assets/assist-view.js";

const REQUEST_TYPES = ["咨询", "求助", "投诉", "举报", "建议", "表扬"];
const PARTNERS = { 110: "110", city: "数字城管" };

function field(label, input, extra = "") {
  return el("div", { class: `field ${extra}` }, el("label", { for: input.id }, label), input);
}

// container: the <form>; context: {call, departments, onChange(), onDone(ticket, whatWasDone)}
export function ticketForm(container, { call, departments, onChange, onDone }) {
  const touched = new Set(); // fields the agent typed in: suggestions no longer overwrite them
  let filed = null; // the ticket once filed: a failed step is retried without filing twice
  const errorBox = el("div", { class: "alert", role: "alert", hidden: true });
  const input = (id, attrs = {}) => el("input", { id, name: id, autocomplete: "off", ...attrs });
  const choose = (id, options) => el("select", { id, name: id }, options.map(([v, t]) => el("option", { value: v }, t)));
  const inputs = {
    request_type: choose("request_type", REQUEST_TYPES.map((t) => [t, t])),
    urgency: choose("urgency", [["normal", "普通"], ["urgent", "紧急"]]),
    topic: input("topic", { maxlength: 50 }),
    district: input("district", { maxlength: 32, placeholder: "如：A2区" }),
    address: input("address", { maxlength: 200 }),
    summary: input("summary", { maxlength: 200, required: true }),
    description: el("textarea", { id: "description", name: "description", rows: 3, required: true }),
    department_id: choose("department_id", [["", "承办单位…"], ...departments.map((d) => [String(d.id), d.name])]),
    answer: el("textarea", { id: "answer", name: "answer", rows: 2, placeholder: "直接答复的内容" }),
    knowledge_ref: input("knowledge_ref", { maxlength: 100, placeholder: "知识库文章编号" }),
    into_number: input("into_number", { inputmode: "numeric", placeholder: "主单编号" }),
  };
  for (const [name, node] of Object.entries(inputs)) {
    node.addEventListener("input", () => {
      touched.add(name);
      if (["description", "address", "summary"].includes(name)) onChange();
    });
  }
  const button = (id, label, tone, kind) =>
    el("button", { type: "button", id, class: `btn ${tone}`, onclick: () => submit(kind) }, label);
  const status = el("span", { id: "ticket-status", class: "muted small" }, "未受理");
  container.replaceChildren(
    el("div", { class: "form-head" }, el("h3", {}, "工单"), status, el("span", { class: "spacer" }),
      el("button", { type: "button", class: "btn small-btn", onclick: () => fillFromTranscript(true) }, "用转写填入诉求内容")),
    el(
      "div",
      { class: "form-grid" },
      field("诉求类型", inputs.request_type),
      field("紧急程度", inputs.urgency),
      field("诉求分类", inputs.topic),
      field("区域", inputs.district),
      field("地址", inputs.address, "span-2"),
      field("诉求摘要", inputs.summary, "span-2"),
      field("诉求内容", inputs.description, "span-4"),
    ),
    el(
      "div",
      { class: "form-actions" },
      el("div", { class: "action-group" }, inputs.department_id, button("do-dispatch", "受理并派单（F9）", "primary", "dispatch")),
      el("div", { class: "action-group" }, inputs.answer, inputs.knowledge_ref, button("do-answer", "直接答复（F10）", "", "answer")),
      el("div", { class: "action-group" }, inputs.into_number, button("do-merge", "并单", "", "merge")),
      el(
        "div",
        { class: "action-group" },
        button("do-110", "一键转 110", "danger", "110"),
        button("do-city", "转数字城管", "", "city"),
      ),
    ),
    errorBox,
  );

  function set(name, value, force = false) {
    if (value === null || value === undefined || value === "") return;
    if (touched.has(name) && !force) return;
    inputs[name].value = String(value);
  }

  function departmentId(name) {
    if (!name) return null;
    const found = departments.find((d) => d.name === name || d.code === name) || departments.find((d) => name.includes(d.name) || d.name.includes(name));
    return found ? String(found.id) : null;
  }

  function applySuggestion(s, force) {
    if (!s) return;
    const type = headValue(s.request_type);
    if (type && REQUEST_TYPES.includes(type.raw)) set("request_type", type.raw, force);
    const urgency = headValue(s.urgency);
    if (urgency && ["urgent", "normal"].includes(urgency.raw)) set("urgency", urgency.raw, force);
    set("topic", headValue(s.topic)?.raw, force);
    set("department_id", departmentId(headValue(s.department)?.raw), force);
  }

  function fillFromTranscript(force = true) {
    const caller = [...container.ownerDocument.querySelectorAll("#transcript .line.final.leg-caller span:last-child")].map((n) => n.textContent);
    const text = caller.join("。");
    if (!text) return;
    set("description", text, force);
    if (!inputs.summary.value || !touched.has("summary")) set("summary", text.slice(0, 40), force);
    if (force) onChange();
  }

  function body() {
    const value = (name) => inputs[name].value.trim() || null;
    return {
      request_type: value("request_type"),
      urgency: value("urgency"),
      topic: value("topic"),
      district: value("district"),
      address: value("address"),
      summary: value("summary"),
      description: value("description"),
    };
  }

  async function step(kind) {
    const post = (path, json) => api(`/api/tickets/${filed.number}/${path}`, { method: "POST", json });
    if (kind === "dispatch") {
      if (!inputs.department_id.value) throw new Error("请选择承办单位");
      return [await post("dispatch", { department_id: Number(inputs.department_id.value) }), "派单"];
    }
    if (kind === "answer") {
      if (!inputs.answer.value.trim()) throw new Error("请填写答复内容");
      const json = { text: inputs.answer.value.trim(), knowledge_ref: inputs.knowledge_ref.value.trim() || null, callback: false };
      return [await post("answer", json), "直接答复"];
    }
    if (kind === "merge") {
      if (!inputs.into_number.value.trim()) throw new Error("请填写或选择主单编号");
      return [await post("merge", { into_number: inputs.into_number.value.trim() }), `并入 ${inputs.into_number.value.trim()}`];
    }
    const note = `来电中一键转${PARTNERS[kind]}`;
    return [await post("transfer", { partner: kind, note }), `转${PARTNERS[kind]}`];
  }

  let busy = false;
  async function submit(kind) {
    if (busy) return;
    clearError(errorBox);
    const values = body();
    if (!values.summary || !values.description) {
      showError(errorBox, "请填写诉求摘要和诉求内容");
      return;
    }
    busy = true;
    container.setAttribute("aria-busy", "true");
    try {
      if (!filed) {
        filed = await api(`/api/console/calls/${call.queued_call_id}/tickets`, { method: "POST", json: values });
        status.textContent = `已受理 ${filed.number}`;
        container.dataset.number = filed.number;
      }
      const [ticket, what] = await step(kind);
      status.textContent = `${ticket.number} · ${ticket.state_name}`;
      container.dataset.state = ticket.state;
      onDone(ticket, what);
    } catch (error) {
      showError(errorBox, error);
    } finally {
      busy = false;
      container.removeAttribute("aria-busy");
    }
  }

  return {
    description: () => inputs.description.value.trim(),
    address: () => inputs.address.value.trim() || null,
    filedNumber: () => filed?.number || null,
    offerSuggestion(s) {
      if (!filed) fillFromTranscript(false); // follows the call until the agent edits it
      applySuggestion(s, false);
    },
    apply: (s) => applySuggestion(s, true),
    useArticle(hit) {
      set("knowledge_ref", String(hit.id), true);
      const snippet = el("div", {});
      snippet.innerHTML = hit.snippet_html;
      set("answer", `${hit.title.replace(/<[^>]+>/g, "")}：${snippet.textContent}`, true);
      inputs.answer.focus();
    },
    mergeInto(number) {
      set("into_number", number, true);
      submit("merge");
    },
    submit,
  };
}
