// The ticket of one call. Fields the agent has not typed in follow the call (智能填单: summary, address, 区域,
// caller name, callback number; suggestions; the triage's urgency). The half-filled form is kept in the browser
// per call (localStorage), so a reload mid-call brings it back. Filed once, then taken through one action:
// 派单, 直接答复 (with the article used), 并单, 一键转 110 / 119 / 120 / 数字城管. Once filed the fields are read-only
// and the form says its number; it stays so until the next call starts an empty one.

import { api, clearError, showError } from "/static/js/api.js";
import { el } from "/static/js/ui.js";
import { PARTNER_NAMES, headValue } from "/console/assets/assist-view.js";

const REQUEST_TYPES = ["咨询", "求助", "投诉", "举报", "建议", "表扬"];
const TRANSFERS = ["110", "119", "120", "city"];
const DRAFT_PREFIX = "hotline.console.draft.";
const DRAFT_DAYS = 2;
// Fields saved with the draft (the answer and merge inputs too: an agent may be half-way through one).
const SAVED = ["request_type", "urgency", "topic", "district", "address", "caller_name", "callback_phone", "summary", "description", "department_id", "answer", "knowledge_ref", "into_number"];
const STILL_ACTIONABLE = new Set(["received", "reopened"]);

function field(label, input, extra = "") {
  return el("div", { class: `field ${extra}` }, el("label", { for: input.id }, label), input);
}

// Drafts of calls long gone are dropped when the console opens.
export function pruneDrafts(now = Date.now()) {
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith(DRAFT_PREFIX)) continue;
    try {
      const saved = JSON.parse(localStorage.getItem(key));
      if (!saved || now - saved.at > DRAFT_DAYS * 86_400_000) localStorage.removeItem(key);
    } catch {
      localStorage.removeItem(key);
    }
  }
}

// container: the <form>; context: {call, userId, departments, onChange(), onDone(ticket, whatWasDone)}
export function ticketForm(container, { call, userId, departments, onChange, onDone }) {
  const draftKey = `${DRAFT_PREFIX}${userId}.${call.call_id}`;
  const touched = new Set(); // fields the agent typed in: suggestions no longer overwrite them
  let filed = call.ticket || null; // the ticket once filed: a failed step is retried without filing twice
  let transcriptText = () => "";
  const errorBox = el("div", { class: "alert", role: "alert", hidden: true });
  const input = (id, attrs = {}) => el("input", { id, name: id, autocomplete: "off", ...attrs });
  const choose = (id, options) => el("select", { id, name: id }, options.map(([v, t]) => el("option", { value: v }, t)));
  const inputs = {
    request_type: choose("request_type", REQUEST_TYPES.map((t) => [t, t])),
    urgency: choose("urgency", [["normal", "普通"], ["high", "较急"], ["urgent", "紧急"]]),
    topic: input("topic", { maxlength: 50 }),
    district: input("district", { maxlength: 32, placeholder: "如：A2区" }),
    address: input("address", { maxlength: 200 }),
    caller_name: input("caller_name", { maxlength: 50, placeholder: "来电人自报" }),
    callback_phone: input("callback_phone", { maxlength: 20, inputmode: "tel", placeholder: "与来电号码不同时填写" }),
    confidential: el("input", { id: "confidential", name: "confidential", type: "checkbox" }),
    summary: input("summary", { maxlength: 200, required: true }),
    description: el("textarea", { id: "description", name: "description", rows: 3, required: true }),
    department_id: choose("department_id", [["", "承办单位…"], ...departments.map((d) => [String(d.id), d.name])]),
    answer: el("textarea", { id: "answer", name: "answer", rows: 2, placeholder: "直接答复的内容" }),
    knowledge_ref: input("knowledge_ref", { maxlength: 100, placeholder: "知识库文章编号" }),
    into_number: input("into_number", { inputmode: "numeric", placeholder: "主单编号" }),
  };
  for (const [name, node] of Object.entries(inputs)) {
    node.addEventListener(node.type === "checkbox" ? "change" : "input", () => {
      touched.add(name);
      saveDraft();
      if (["description", "address", "summary"].includes(name)) onChange();
    });
  }
  const button = (id, label, tone, kind) =>
    el("button", { type: "button", id, class: `btn ${tone}`, dataset: { kind }, onclick: () => submit(kind) }, label);
  const transferButtons = TRANSFERS.map((p) =>
    button(`do-${p}`, p === "city" ? "转数字城管" : `一键转 ${PARTNER_NAMES[p]}`, p === "city" ? "" : "danger-outline", p),
  );
  const status = el("span", { id: "ticket-status", class: "muted small" }, "未受理");
  container.replaceChildren(
    el("div", { class: "form-head" }, el("h3", {}, "工单"), status, el("span", { class: "spacer" }),
      el("button", { type: "button", class: "btn small-btn fill-btn", onclick: () => fillFromTranscript(true) }, "用转写填入诉求内容")),
    el(
      "div",
      { class: "form-grid" },
      field("诉求类型", inputs.request_type),
      field("紧急程度", inputs.urgency),
      field("诉求分类", inputs.topic),
      field("区域", inputs.district),
      field("地址", inputs.address, "span-2"),
      field("来电人", inputs.caller_name),
      field("回访号码", inputs.callback_phone),
      field("诉求摘要", inputs.summary, "span-3"),
      el("div", { class: "field check" }, inputs.confidential, el("label", { for: "confidential", title: "来电人身份只在热线中心内可见（举报常用）" }, "保密")),
      field("诉求内容", inputs.description, "span-4"),
    ),
    el(
      "div",
      { class: "form-actions" },
      el("div", { class: "action-group" }, inputs.department_id, button("do-dispatch", "受理并派单（F9）", "primary", "dispatch")),
      el("div", { class: "action-group answer-group" }, inputs.answer, inputs.knowledge_ref, button("do-answer", "直接答复（F10）", "", "answer")),
      el("div", { class: "action-group" }, inputs.into_number, button("do-merge", "并单", "", "merge")),
      el("div", { class: "action-group transfers" }, ...transferButtons),
    ),
    errorBox,
  );
  container.dataset.call = call.call_id;
  delete container.dataset.number;
  delete container.dataset.state;

  function set(name, value, force = false) {
    if (value === null || value === undefined || value === "") return;
    if (touched.has(name) && !force) return;
    if (inputs[name].value === String(value)) return;
    inputs[name].value = String(value);
    saveDraft();
  }

  function saveDraft() {
    if (filed) return;
    const values = Object.fromEntries(SAVED.map((name) => [name, inputs[name].value]));
    values.confidential = inputs.confidential.checked;
    localStorage.setItem(draftKey, JSON.stringify({ at: Date.now(), values, touched: [...touched] }));
  }

  function restoreDraft() {
    try {
      const saved = JSON.parse(localStorage.getItem(draftKey) || "null");
      if (!saved) return false;
      for (const name of SAVED) if (saved.values[name] !== undefined) inputs[name].value = saved.values[name];
      inputs.confidential.checked = Boolean(saved.values.confidential);
      saved.touched.forEach((name) => touched.add(name));
      return true;
    } catch {
      return false;
    }
  }

  function departmentId(name) {
    if (!name) return null;
    const found = departments.find((d) => d.name === name || d.code === name) || departments.find((d) => name.includes(d.name) || d.name.includes(name));
    return found ? String(found.id) : null;
  }

  function applySuggestion(s, force) {
    if (!s || filed) return;
    const type = headValue(s.request_type);
    if (type && REQUEST_TYPES.includes(type.raw)) set("request_type", type.raw, force);
    set("topic", headValue(s.topic)?.raw, force);
    set("department_id", departmentId(headValue(s.department)?.raw), force);
    set("district", s.details?.district, force); // 区域 from the 属地 suggestion
  }

  function fillFromTranscript(force = true) {
    const text = transcriptText();
    if (!text || filed) return;
    set("description", text, force);
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
      caller_name: value("caller_name"),
      callback_phone: value("callback_phone")?.replace(/[^\d+]/g, "") || null,
      confidential: inputs.confidential.checked,
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
    const note = `来电中一键转${PARTNER_NAMES[kind]}`;
    return [await post("transfer", { partner: kind, note }), `转${PARTNER_NAMES[kind]}`];
  }

  // Read-only once filed: the number and state are shown; the actions stay while the ticket still waits for one.
  function showFiled(ticket) {
    filed = ticket;
    localStorage.removeItem(draftKey);
    container.dataset.number = ticket.number;
    container.dataset.state = ticket.state;
    status.textContent = `工单 ${ticket.number} · ${ticket.state_name}`;
    status.classList.add("filed");
    const open = STILL_ACTIONABLE.has(ticket.state);
    for (const [name, node] of Object.entries(inputs)) {
      node.disabled = !(open && ["department_id", "answer", "knowledge_ref", "into_number"].includes(name));
    }
    container.querySelectorAll(".form-actions button").forEach((b) => {
      b.disabled = !open;
    });
    container.querySelector(".fill-btn").disabled = true;
  }

  function showTicketValues(ticket) {
    for (const name of ["request_type", "urgency", "topic", "district", "address", "caller_name", "summary", "description"]) {
      if (ticket[name] !== null && ticket[name] !== undefined) inputs[name].value = String(ticket[name]);
    }
    if (ticket.department) inputs.department_id.value = String(ticket.department.id);
    inputs.confidential.checked = Boolean(ticket.confidential);
  }

  let busy = false;
  async function submit(kind) {
    if (busy || (filed && !STILL_ACTIONABLE.has(filed.state))) return;
    clearError(errorBox);
    if (!filed && TRANSFERS.includes(kind)) {
      // An emergency is not held up by an empty form: the caller's words are the content.
      fillFromTranscript(false);
      set("summary", inputs.description.value.trim().slice(0, 40));
    }
    const values = body();
    if (!filed && (!values.summary || !values.description)) {
      showError(errorBox, "请填写诉求摘要和诉求内容");
      return;
    }
    busy = true;
    container.setAttribute("aria-busy", "true");
    try {
      if (!filed) {
        const ticket = await api(`/api/console/calls/${call.queued_call_id}/tickets`, { method: "POST", json: values });
        showFiled(ticket);
      }
      const [ticket, what] = await step(kind);
      showFiled(ticket);
      onDone(ticket, what);
    } catch (error) {
      showError(errorBox, error);
    } finally {
      busy = false;
      container.removeAttribute("aria-busy");
    }
  }

  if (filed) {
    showTicketValues(filed);
    showFiled(filed);
  } else if (restoreDraft()) {
    status.textContent = "未受理 · 已恢复本通来电的填写内容";
  }

  return {
    callId: call.call_id,
    description: () => inputs.description.value.trim(),
    address: () => inputs.address.value.trim() || null,
    filedNumber: () => filed?.number || null,
    follow(transcript) {
      transcriptText = transcript;
    },
    offerSuggestion(assist) {
      if (filed) return;
      fillFromTranscript(false); // follows the call until the agent edits it
      applySuggestion(assist.suggestion, false);
      const p = assist.prefill || {};
      set("summary", p.summary);
      set("address", p.address);
      set("district", p.district);
      set("caller_name", p.caller_name);
      set("callback_phone", p.callback_phone);
      const level = assist.triage?.level;
      if (level && level !== "normal") set("urgency", level);
      this.recommend(level === "urgent" ? assist.triage.referral : []);
    },
    // The one-key transfer the triage names is highlighted.
    recommend(referral) {
      for (const b of transferButtons) b.classList.toggle("recommended", b.dataset.kind === referral[0]);
    },
    apply: (s) => applySuggestion(s, true),
    // What the agent has chosen so far, as the suggestion names it (the unit by its full name): the right value
    // sent with "建议有误".
    chosen() {
      const unit = departments.find((d) => String(d.id) === inputs.department_id.value);
      return { topic: inputs.topic.value.trim(), request_type: inputs.request_type.value, department: unit?.name || "" };
    },
    useArticle(article, text) {
      if (filed && !STILL_ACTIONABLE.has(filed.state)) return;
      set("knowledge_ref", String(article.id), true);
      set("answer", text, true);
      touched.add("answer");
      saveDraft();
      inputs.answer.focus();
    },
    mergeInto(number) {
      set("into_number", number, true);
      submit("merge");
    },
    submit,
  };
}
