// How each step a person can take on a ticket outside a call looks: its button, what it asks for and which
// API it calls. Whether it shows is the server's decision: the ticket's `allowed_actions` (from the step
// declarations in hotline/tickets/registry.py) lists the steps this user may take on it now. Both the desk
// and the liaison portal render from here.

import { api, clearError, showError } from "./api.js";
import { el, toast } from "./ui.js";

const PARTNERS = [
  { value: "110", label: "110 指挥中心" },
  { value: "city", label: "数字城管平台" },
  { value: "119", label: "119 消防救援指挥中心" },
  { value: "120", label: "120 急救指挥中心" },
];

const ACCEPT = "image/*,.pdf,.txt,.doc,.docx,.xls,.xlsx,.zip";
const post = (ticket, step, json) => api(`/api/tickets/${ticket.number}/${step}`, { method: "POST", json });
const note = { name: "note", label: "备注", type: "textarea", optional: true };
const reason = (label) => ({ name: "reason", label, type: "textarea", minLength: 2 });

export const ACTIONS = [
  {
    id: "dispatch",
    step: "dispatch",
    label: "派单",
    tone: "primary",
    fields: [{ name: "department_id", label: "承办单位", type: "department" }, note],
    submit: (t, v) => post(t, "dispatch", { department_id: Number(v.department_id), note: v.note || null }),
  },
  {
    id: "answer",
    step: "answer",
    label: "直接答复",
    fields: [
      { name: "text", label: "答复内容", type: "textarea", minLength: 1 },
      { name: "knowledge_ref", label: "所用知识库文章（可选）", type: "text", optional: true },
      { name: "callback", label: "需要回访", type: "checkbox" },
    ],
    submit: (t, v) =>
      post(t, "answer", { text: v.text, knowledge_ref: v.knowledge_ref || null, callback: Boolean(v.callback) }),
  },
  {
    id: "merge",
    step: "merge",
    label: "并单",
    fields: [{ name: "into_number", label: "并入主单编号", type: "text", inputmode: "numeric" }, note],
    submit: (t, v) => post(t, "merge", { into_number: v.into_number.trim(), note: v.note || null }),
  },
  {
    id: "retry_transfer",
    step: "retry_transfer",
    label: "重新转办",
    tone: "primary",
    fields: [note],
    submit: (t, v) => post(t, "transfer/retry", { note: v.note || null }),
  },
  {
    id: "transfer",
    step: "transfer",
    label: "转联动单位",
    fields: [{ name: "partner", label: "联动单位", type: "choice", choices: PARTNERS }, note],
    submit: (t, v) => post(t, "transfer", { partner: v.partner, note: v.note || null }),
  },
  {
    id: "sign",
    step: "sign",
    label: "签收",
    tone: "primary",
    fields: [],
    submit: (t) => post(t, "sign", {}),
  },
  {
    id: "return",
    step: "return",
    label: "退单",
    tone: "danger",
    fields: [reason("退单理由")],
    submit: (t, v) => post(t, "return", { reason: v.reason }),
  },
  {
    id: "extension",
    step: "request_extension",
    label: "申请延期",
    fields: [{ name: "days", label: "延期工作日数", type: "number", min: 1, max: 30 }, reason("延期理由")],
    submit: (t, v) => post(t, "extension", { days: Number(v.days), reason: v.reason }),
  },
  {
    id: "reply",
    step: "reply",
    label: "答复",
    tone: "primary",
    fields: [
      { name: "text", label: "办理情况", type: "textarea", minLength: 1, rows: 5 },
      { name: "files", label: "附件（图片、PDF、Office 文档，最多 5 个）", type: "files", optional: true },
    ],
    submit: (t, v) => {
      const form = new FormData();
      form.append("text", v.text);
      for (const file of v.files) form.append("files", file);
      return api(`/api/tickets/${t.number}/reply`, { method: "POST", form });
    },
  },
  {
    id: "redispatch",
    step: "redispatch",
    label: "改派",
    tone: "primary",
    fields: [{ name: "department_id", label: "改派到", type: "department", excludeCurrent: true }, note],
    submit: (t, v) => post(t, "redispatch", { department_id: Number(v.department_id), note: v.note || null }),
  },
  {
    id: "insist",
    step: "insist",
    label: "维持原派",
    fields: [{ name: "note", label: "维持原派的理由", type: "textarea", minLength: 2 }],
    submit: (t, v) => post(t, "insist", { note: v.note }),
  },
  {
    id: "approve_extension",
    step: "approve_extension",
    label: "同意延期",
    tone: "primary",
    fields: [],
    submit: (t) => post(t, "extension/decision", { approve: true }),
  },
  {
    id: "refuse_extension",
    step: "refuse_extension",
    label: "不同意延期",
    fields: [note],
    submit: (t, v) => post(t, "extension/decision", { approve: false, note: v.note || null }),
  },
  {
    id: "accept_reply",
    step: "accept_reply",
    label: "审核通过",
    tone: "primary",
    fields: [],
    submit: (t) => post(t, "reply/review", { accept: true }),
  },
  {
    id: "send_back_reply",
    step: "send_back_reply",
    label: "退回重新答复",
    tone: "danger",
    fields: [{ name: "note", label: "退回理由", type: "textarea", minLength: 2 }],
    submit: (t, v) => post(t, "reply/review", { accept: false, note: v.note }),
  },
  {
    id: "callback_satisfied",
    step: "callback",
    label: "回访：满意",
    tone: "primary",
    fields: [note],
    confirmLabel: "确认满意并办结",
    submit: (t, v) => post(t, "callback", { satisfied: true, note: v.note || null }),
  },
  {
    id: "callback_dissatisfied",
    step: "callback",
    label: "回访：不满意",
    tone: "danger",
    fields: [{ name: "note", label: "市民意见", type: "textarea", optional: true }],
    confirmLabel: "确认不满意并重办",
    submit: (t, v) => post(t, "callback", { satisfied: false, note: v.note || null }),
  },
  {
    id: "supervise",
    step: "supervise",
    label: "督办",
    fields: [note],
    submit: (t, v) => post(t, "supervise", { note: v.note || null }),
  },
  {
    id: "remind",
    step: "remind",
    label: "催办",
    fields: [note],
    submit: (t, v) => post(t, "remind", { note: v.note || null }),
  },
];

// `step` is the Action the server names in allowed_actions (both callback buttons take the one step).
export function actionsFor(ticket) {
  const allowed = new Set(ticket.allowed_actions || []);
  return ACTIONS.filter((a) => allowed.has(a.step));
}

function departmentOptions(departments, ticket, field) {
  const choices = departments.filter((d) => !(field.excludeCurrent && ticket.department && d.id === ticket.department.id));
  return [el("option", { value: "" }, "请选择承办单位…"), ...choices.map((d) => el("option", { value: d.id }, d.name))];
}

function inputFor(field, ticket, context, id) {
  const required = !field.optional && field.type !== "checkbox";
  const common = { id, name: field.name, required };
  switch (field.type) {
    case "textarea":
      return el("textarea", { ...common, rows: field.rows || 3, minlength: field.minLength, maxlength: 20000 });
    case "number":
      return el("input", { ...common, type: "number", min: field.min, max: field.max, step: 1 });
    case "department":
      return el("select", common, departmentOptions(context.departments, ticket, field));
    case "files":
      return filePicker(field, id);
    case "choice":
      return el("select", common, [
        el("option", { value: "" }, `请选择${field.label}…`),
        ...field.choices.map((c) => el("option", { value: c.value }, c.label)),
      ]);
    case "checkbox":
      return el("input", { ...common, type: "checkbox" });
    default:
      return el("input", { ...common, type: "text", inputmode: field.inputmode, autocomplete: "off" });
  }
}

function readValues(form, fields) {
  const values = {};
  for (const field of fields) {
    const input = form.elements[field.name];
    if (field.type === "files") values[field.name] = [...input.files];
    else if (field.type === "checkbox") values[field.name] = input.checked;
    else values[field.name] = input.value.trim();
  }
  return values;
}

// `holder` is marked busy while the step runs, so a live refresh leaves it alone.
async function run(action, ticket, values, context, { errorBox, button, holder }) {
  clearError(errorBox);
  button.disabled = true;
  holder.setAttribute("aria-busy", "true");
  try {
    const updated = await action.submit(ticket, values);
    toast(`${action.label}：已完成（${updated.state_name}）`);
    context.onDone(updated, action);
  } catch (error) {
    showError(errorBox, error);
    toast(error.message, "error");
  } finally {
    button.disabled = false;
    holder.removeAttribute("aria-busy");
  }
}

// A file input that speaks Chinese whatever the browser's language: the native control stays (hidden
// but focusable, so the keyboard reaches it) and a label button opens it.
function filePicker(field, id) {
  const input = el("input", { id, name: field.name, type: "file", multiple: true, class: "visually-hidden", accept: ACCEPT });
  const chosen = el("span", { class: "muted" }, "未选择文件");
  input.addEventListener("change", () => {
    chosen.textContent = input.files.length ? [...input.files].map((f) => f.name).join("、") : "未选择文件";
  });
  return el("div", { class: "file-picker" }, input, el("label", { for: id, class: "btn" }, "选择文件…"), chosen);
}

function actionForm(action, ticket, context, close) {
  const errorBox = el("div", { class: "alert", role: "alert", hidden: true });
  const confirm = el("button", { type: "submit", class: `btn ${action.tone || "primary"}` }, action.confirmLabel || `确认${action.label}`);
  const rows = action.fields.map((field) => {
    const id = `f-${action.id}-${field.name}`;
    const input = inputFor(field, ticket, context, id);
    if (field.type === "checkbox") return el("label", { class: "check", for: id }, input, field.label);
    return el("div", { class: "field" }, el("label", { for: id }, field.label), input);
  });
  const form = el(
    "form",
    { class: "action-form", "aria-label": action.label, dataset: { action: action.id } },
    el("h3", {}, action.label),
    rows,
    errorBox,
    el("div", { class: "form-buttons" }, confirm, el("button", { type: "button", class: "btn", onclick: close }, "取消")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(action, ticket, readValues(form, action.fields), context, { errorBox, button: confirm, holder: form });
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  return form;
}

// The buttons for `ticket`; a step that needs input opens its form underneath. `context` is
// {departments, onDone(updatedTicket, action)}.
export function renderActions(container, ticket, context) {
  const available = actionsFor(ticket);
  container.replaceChildren();
  if (!available.length) {
    container.append(el("p", { class: "muted" }, "当前状态下没有需要您办理的操作"));
    return;
  }
  const formArea = el("div", { class: "form-area" });
  const bar = el("div", { class: "action-bar", role: "toolbar", "aria-label": "工单操作" });
  const close = () => {
    formArea.replaceChildren();
    bar.querySelectorAll("button").forEach((b) => b.setAttribute("aria-expanded", "false"));
  };
  for (const action of available) {
    const button = el("button", { type: "button", class: `btn ${action.tone || ""}`, dataset: { action: action.id } }, action.label);
    if (!action.fields.length) {
      const errorBox = el("div", { class: "alert", role: "alert", hidden: true });
      button.addEventListener("click", () => {
        close();
        formArea.append(errorBox);
        run(action, ticket, {}, context, { errorBox, button, holder: bar });
      });
    } else {
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", () => {
        close();
        button.setAttribute("aria-expanded", "true");
        const form = actionForm(action, ticket, context, () => {
          close();
          button.focus();
        });
        formArea.append(form);
        form.querySelector("input, textarea, select")?.focus();
      });
    }
    bar.append(button);
  }
  container.append(bar, formArea);
}

// True while someone is filling in a step's form, so a live refresh does not wipe it.
export function isFormOpen(container) {
  return Boolean(container.querySelector(".action-form"));
}

// True while a step is on its way to the server.
export function isBusy(container) {
  return Boolean(container.querySelector("[aria-busy=true]"));
}
