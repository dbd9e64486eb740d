// /console: the seat agent's console. State (示闲/示忙/离线, the ACD's truth), a ringing call with the
// caller's history, the live transcript, suggestions, the ticket form with its actions, notifications.

import { api, clearError, showError } from "/static/js/api.js";
import { setLiveStatus, startPage } from "/static/js/shell.js";
import { debounce, el, formatTime, stateBadge, toast } from "/static/js/ui.js";
import { connectConsole } from "/console/assets/console-socket.js";
import { ring, stopRing } from "/console/assets/ringer.js";
import { renderKnowledge, renderSimilar, renderSuggestion } from "/console/assets/assist-view.js";
import { ticketForm } from "/console/assets/ticket-form.js";

const STATE_NAMES = { offline: "离线", ready: "示闲", not_ready: "示忙", ringing: "振铃", on_call: "通话中", wrap_up: "话后整理" };
const LEG_NAMES = { caller: "来电人", agent: "话务员" };

const $ = (id) => document.getElementById(id);
let user = null;
let presence = null;
let call = null; // the CallView of the offered / current call
let segments = new Map(); // "leg:start" -> final segment
let partials = {}; // leg -> partial text
let form = null;
let wrapTimer = null;

// ---- state -------------------------------------------------------------------------------------------

function showState() {
  const state = presence?.state || "offline";
  const badge = $("agent-state");
  badge.dataset.state = state;
  badge.textContent = STATE_NAMES[state];
  document.querySelectorAll(".state-btn").forEach((b) => b.setAttribute("aria-pressed", b.dataset.set === state ? "true" : "false"));
  clearInterval(wrapTimer);
  const timer = $("wrap-timer");
  timer.hidden = state !== "wrap_up" || !presence.wrap_up_until;
  if (!timer.hidden) {
    const tick = () => {
      const left = Math.max(0, Math.round((new Date(presence.wrap_up_until) - Date.now()) / 1000));
      timer.textContent = `整理剩余 ${left} 秒`;
    };
    tick();
    wrapTimer = setInterval(tick, 1000);
  }
}

async function setState(state) {
  try {
    presence = await api("/api/acd/me/state", { method: "POST", json: { state } });
    showState();
    if (presence.state === "ringing") await offered(presence.queued_call_id);
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- the call ----------------------------------------------------------------------------------------

function callCard() {
  const card = $("call-card");
  if (!call) {
    card.className = "call-card idle";
    card.dataset.callState = "idle";
    card.replaceChildren(el("p", { class: "muted" }, "暂无来电。示闲（F6）后等待来电。"));
    return;
  }
  const ringing = call.state === "offered";
  card.className = `call-card ${ringing ? "ringing" : call.state === "answered" ? "talking" : "ended"}`;
  card.dataset.callState = call.state;
  card.replaceChildren(
    el("div", { class: "call-head" }, ringing ? "来电振铃中…" : call.state === "answered" ? "通话中" : "通话已结束"),
    el("div", { class: "caller-number", id: "caller-number" }, call.caller_phone || "未知号码"),
    el(
      "div",
      { class: "muted small" },
      call.caller_name ? `${call.caller_name} · ` : "",
      call.first_contact ? `首次来电 ${formatTime(call.first_contact)}` : "首次来电",
      ` · 排队 ${Math.round(call.wait_seconds)} 秒`,
    ),
    ringing
      ? el("button", { type: "button", id: "accept", class: "btn primary wide", onclick: accept }, "接听（F2）")
      : call.state === "answered"
        ? el("button", { type: "button", id: "hangup", class: "btn danger wide", onclick: hangup }, "挂机（F4）")
        : "",
  );
}

function showHistory() {
  const box = $("history");
  if (!call) return box.replaceChildren(el("p", { class: "muted small" }, "接听后显示"));
  if (!call.history.length) return box.replaceChildren(el("p", { class: "muted small" }, "该来电人没有历史工单"));
  box.replaceChildren(
    el(
      "ol",
      { class: "history-list" },
      call.history.map((t) =>
        el(
          "li",
          { dataset: { number: t.number } },
          el("div", {}, el("span", { class: "ticket-number" }, t.number), " ", stateBadge(t.state, t.state_name)),
          el("div", { class: "small" }, t.summary),
          el("div", { class: "muted small" }, `${formatTime(t.created_at)} · ${t.department?.name || "未派单"}`),
        ),
      ),
    ),
  );
}

async function offered(queuedCallId) {
  if (!queuedCallId) return;
  const view = await api(`/api/console/calls/${queuedCallId}`);
  const fresh = !call || call.queued_call_id !== view.queued_call_id;
  call = view;
  if (fresh) {
    segments = new Map();
    partials = {};
    view.transcript.forEach(addFinal);
    form = null;
  }
  callCard();
  showHistory();
  showTranscript();
  if (call.state === "offered") ring();
  else stopRing();
  if (call.state === "answered" && !form) openForm();
}

async function accept() {
  if (!call || call.state !== "offered") return;
  stopRing();
  try {
    await api(`/api/acd/calls/${call.queued_call_id}/accept`, { method: "POST" });
    await offered(call.queued_call_id);
    presence = await api("/api/acd/me");
    showState();
    $("summary")?.focus();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function hangup() {
  if (!call || call.state !== "answered") return;
  try {
    await api(`/api/acd/calls/by-id/${encodeURIComponent(call.call_id)}/hangup`, { method: "POST" });
    call.state = "ended";
    callCard();
    presence = await api("/api/acd/me");
    showState();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- transcript --------------------------------------------------------------------------------------

function addFinal(segment) {
  segments.set(`${segment.leg}:${Number(segment.start).toFixed(2)}`, segment);
  delete partials[segment.leg];
}

function showTranscript() {
  const box = $("transcript");
  const finals = [...segments.values()].sort((a, b) => a.start - b.start);
  const lines = finals.map((s) =>
    el("div", { class: `line leg-${s.leg} final` }, el("span", { class: "leg" }, LEG_NAMES[s.leg] || s.leg), el("span", {}, s.text)),
  );
  for (const [leg, text] of Object.entries(partials)) {
    lines.push(el("div", { class: `line leg-${leg} partial` }, el("span", { class: "leg" }, LEG_NAMES[leg] || leg), el("span", {}, text)));
  }
  if (!lines.length) lines.push(el("p", { class: "muted small" }, call ? "等待通话内容…" : "通话开始后显示转写"));
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
  box.replaceChildren(...lines);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function transcriptText() {
  return [...segments.values()].sort((a, b) => a.start - b.start).map((s) => s.text).join("。");
}

// ---- suggestions -------------------------------------------------------------------------------------

let lastAssist = "";
const refreshAssist = debounce(async () => {
  if (!call || !form) return;
  const text = [transcriptText(), form.description()].filter(Boolean).join("\n");
  if (!text || text === lastAssist) return;
  lastAssist = text;
  const finals = [...segments.values()].map((s) => ({ text: s.text, end: s.end }));
  const [assist, knowledge] = await Promise.allSettled([
    api(`/api/console/calls/${call.queued_call_id}/assist`, { method: "POST", json: { text, address: form.address() } }),
    api("/api/knowledge/suggest", { method: "POST", json: { segments: finals.length ? finals : [{ text, end: 0 }], limit: 5 } }),
  ]);
  if (assist.status === "fulfilled") {
    renderSuggestion($("suggestion"), assist.value, { onUse: (s) => form.apply(s) });
    const similar = assist.value.similar.filter((t) => t.number !== form.filedNumber()); // not itself
    renderSimilar($("similar"), { ...assist.value, similar }, { onMerge: (t) => form.mergeInto(t.number) });
    form.offerSuggestion(assist.value.suggestion);
  }
  renderKnowledge(
    $("knowledge"),
    knowledge.status === "fulfilled" ? knowledge.value.hits : null,
    { onUse: (hit) => form.useArticle(hit) },
  );
}, 800);

// ---- the ticket form ---------------------------------------------------------------------------------

function openForm() {
  form = ticketForm($("ticket-form"), {
    call,
    departments,
    onChange: refreshAssist,
    onDone: (ticket, what) => {
      toast(`工单 ${ticket.number}：${what}`);
      notice(`工单 ${ticket.number} 已${what}`, "ok");
    },
  });
  refreshAssist();
}

// ---- notifications -----------------------------------------------------------------------------------

function notice(text, kind = "info") {
  const list = $("notices");
  list.prepend(el("li", { class: `notice notice-${kind}` }, el("time", {}, formatTime(new Date().toISOString()).slice(11)), " ", text));
  while (list.children.length > 30) list.lastChild.remove();
  $("notice-count").textContent = String(list.children.length);
  $("notice-count").classList.add("has");
}

function onTicketEvent(event) {
  const p = event.payload;
  if (event.type === "ticket.return") notice(`工单 ${p.number} 被${p.actor}退回`, "warn");
  else if (event.type === "ticket.supervise" && p.actor_role === "system") notice(`工单 ${p.number} 已超期（督办）`, "danger");
  else if (event.type === "ticket.remind" && p.actor_role === "system") notice(`工单 ${p.number} 即将到期（催办）`, "warn");
}

// ---- events ------------------------------------------------------------------------------------------

function onEvent(event) {
  const p = event.payload;
  if (event.type === "acd.agent_state" && p.user_id === user.id) {
    api("/api/acd/me").then((me) => {
      presence = me;
      showState();
      if (me.state === "ringing") offered(me.queued_call_id);
    });
  } else if (event.type === "acd.call") {
    if (p.state === "offered" && p.offered_to === user.id) offered(p.queued_call_id);
    else if (call && p.queued_call_id === call.queued_call_id) {
      if (p.state === "abandoned") notice(`来电 ${call.caller_phone || ""} 已挂断（未接通）`, "warn");
      if (p.state === "waiting") notice("来电未接听，已转给其他座席", "warn");
      if (p.state === "ended") notice("通话已结束，进入话后整理", "info");
      call.state = p.state;
      if (p.state !== "offered") stopRing();
      if (p.state === "abandoned" || p.state === "waiting") {
        call = null;
        showHistory();
      }
      callCard();
    }
  } else if (event.type.startsWith("call.transcript.")) {
    if (!call || p.call_id !== call.call_id) return;
    if (event.type === "call.transcript.final") {
      addFinal(p);
      refreshAssist();
    } else partials[p.leg] = p.text;
    showTranscript();
  } else if (event.type === "console.message") {
    notice(`${p.from_name}：${p.text}`, "message");
    toast(`班长消息：${p.text}`, "warn");
  } else if (event.type.startsWith("ticket.")) onTicketEvent(event);
}

async function reload(why, message) {
  if (message) toast(message, "warn");
  presence = await api("/api/acd/me");
  showState();
  if (presence.queued_call_id && ["ringing", "on_call", "wrap_up"].includes(presence.state)) {
    await offered(presence.queued_call_id);
  }
}

// ---- keys --------------------------------------------------------------------------------------------

const KEYS = {
  F2: accept,
  F4: hangup,
  F6: () => setState("ready"),
  F7: () => setState("not_ready"),
  F8: () => setState("offline"),
  F9: () => form?.submit("dispatch"),
  F10: () => form?.submit("answer"),
};

let departments = [];

async function main() {
  ({ user } = await startPage({ roles: ["agent", "supervisor"] }));
  $("wallboard-link").hidden = user.role !== "supervisor";
  departments = await api("/api/departments");
  document.querySelectorAll(".state-btn").forEach((b) => b.addEventListener("click", () => setState(b.dataset.set)));
  document.addEventListener("keydown", (event) => {
    const action = KEYS[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    action();
  });
  window.consoleSocket = connectConsole({
    onEvent,
    onReload: (why, message) => reload(why, message).catch((e) => toast(e.message, "error")),
    onStatus: (status) => setLiveStatus(status),
  });
}

main().catch((error) => showError(document.getElementById("call-card"), error) && clearError(null));
