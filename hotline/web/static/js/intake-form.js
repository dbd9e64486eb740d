// 受理: the form that files a new ticket at the desk.

import { api, clearError, showError } from "./api.js";
import { el } from "./ui.js";

const REQUEST_TYPES = ["咨询", "求助", "投诉", "举报", "建议", "表扬"];
const CHANNELS = { phone: "电话", web: "网站", app: "移动端", wechat: "微信", 110: "110 转入", city: "数字城管转入" };

function field(label, input, hint) {
  return el("div", { class: "field" }, el("label", { for: input.id }, label), input, hint ? el("small", { class: "muted" }, hint) : null);
}

function select(id, options, value) {
  return el(
    "select",
    { id, name: id },
    Object.entries(options).map(([key, text]) => el("option", { value: key, selected: key === value }, text)),
  );
}

// `onFiled(ticket)` runs after the server has given the ticket its number.
export function intakeForm({ onFiled, onCancel }) {
  const errorBox = el("div", { class: "alert", role: "alert", hidden: true });
  const types = Object.fromEntries(REQUEST_TYPES.map((t) => [t, t]));
  const form = el(
    "form",
    { id: "intake-form", class: "intake-form", "aria-label": "受理新工单" },
    el("h2", {}, "受理新工单"),
    el(
      "div",
      { class: "grid-2" },
      field("诉求类型", select("request_type", types, "投诉")),
      field("紧急程度", select("urgency", { normal: "普通", high: "较急", urgent: "紧急" }, "normal")),
      field("来电号码", el("input", { id: "caller_phone", name: "caller_phone", type: "tel", autocomplete: "off" })),
      field("来电人（可选）", el("input", { id: "caller_name", name: "caller_name", autocomplete: "off" })),
      field("区域", el("input", { id: "district", name: "district", autocomplete: "off", placeholder: "如：A2区" })),
      field("来源渠道", select("channel", CHANNELS, "phone")),
    ),
    field("地址", el("input", { id: "address", name: "address", autocomplete: "off" })),
    field("诉求摘要", el("input", { id: "summary", name: "summary", required: true, maxlength: 200, autocomplete: "off" })),
    field("诉求内容", el("textarea", { id: "description", name: "description", required: true, rows: 6 })),
    errorBox,
    el(
      "div",
      { class: "form-buttons" },
      el("button", { type: "submit", class: "btn primary" }, "受理"),
      el("button", { type: "button", class: "btn", onclick: onCancel }, "取消"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(errorBox);
    const value = (name) => form.elements[name].value.trim() || null;
    const body = {
      request_type: value("request_type"),
      urgency: value("urgency"),
      channel: value("channel"),
      summary: value("summary"),
      description: value("description"),
      caller_phone: value("caller_phone"),
      caller_name: value("caller_name"),
      district: value("district"),
      address: value("address"),
    };
    if (!body.summary || !body.description) {
      showError(errorBox, "请填写诉求摘要和诉求内容");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      onFiled(await api("/api/tickets", { method: "POST", json: body }));
    } catch (error) {
      showError(errorBox, error);
    } finally {
      button.disabled = false;
    }
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") onCancel();
  });
  return form;
}
