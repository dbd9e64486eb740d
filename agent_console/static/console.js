// /console: the seat agent's console. State (示闲/示忙/离线, the ACD's truth), the ringing call with the caller's
// history, the live transcript, the safety banner, suggestions, knowledge, similar tickets, the ticket form and
// notifications. Everything about a call is bound to its id: a new offer starts every panel empty, and an answer
// that comes back for another call than the one on screen is dropped.

import { api, clearError, showError } from "/static/js/api.js";
import { setLiveStatus, startPage } from "/static/js/shell.js";
import { debounce, el, formatTime, stateBadge, toast } from "/static/js/ui.js";
import { connectConsole } from "/console/assets/console-socket.js";
import { ring, stopRing } from "/console/assets/ringer.js";
import { renderArticle, renderBanner, renderKnowledge, renderSimilar, renderSuggestion } from "/console/assets/assist-view.js";
import { pruneDrafts, ticketForm } from "/console/assets/ticket-form.js";

const STATE_NAMES = { offline: "离线", ready: "示闲", not_ready: "示忙", ringing: "振铃", on_call: "通话中", wrap_up: "话后整理" };
const LEG_NAMES = { caller: "来电人", agent: "话务员" };
const WAITING = "随通话内容刷新";

const $ = (id) => document.getElementById(id);
let user = null;
let presence = null;
let departments = [];
// The call on screen: its view from the server, its transcript, its form and its assist state.
let current = null;
const returnedCalls = new Set(); // calls that rang here unanswered: their next offer elsewhere is said honestly

const isCurrent = (queuedCallId) => current !== null && current.view.queued_call_id === queuedCallId;

// ---- state -------------------------------------------------------------------------------------------

let wrapTimer = null;
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
  if (!current) {
    card.className = "call-card idle";
    card.dataset.callState = "idle";
    delete card.dataset.call;
    card.replaceChildren(el("p", { class: "muted" }, "暂无来电。示闲（F6）后等待来电。"));
    return;
  }
  const call = current.view;
  const ringing = call.state === "offered";
  card.className = `call-card ${ringing ? "ringing" : call.state === "answered" ? "talking" : "ended"}`;
  card.dataset.callState = call.state;
  card.dataset.call = call.call_id;
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
  if (!current) return box.replaceChildren(el("p", { class: "muted small" }, "接听后显示"));
  const history = current.view.history.filter((t) => t.number !== current.view.ticket?.number);
  if (!history.length) return box.replaceChildren(el("p", { class: "muted small" }, "该来电人没有历史工单"));
  box.replaceChildren(
    el(
      "ol",
      { class: "history-list" },
      history.map((t) =>
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

// Every panel back to empty: nothing of one call is left for the next.
function clearPanels() {
  $("suggestion").replaceChildren(el("p", { class: "muted small" }, WAITING));
  renderKnowledge($("knowledge"), undefined, {});
  $("similar").replaceChildren(el("li", { class: "muted small" }, WAITING));
  $("knowledge-query").value = "";
  renderBanner($("triage-banner"), null, {});
  closeArticle();
  const form = $("ticket-form");
  form.replaceChildren();
  delete form.dataset.call;
  delete form.dataset.number;
  delete form.dataset.state;
  document.querySelectorAll("#notices [data-call]").forEach((n) => {
    if (!current || n.dataset.call !== current.view.call_id) n.remove();
  });
  countNotices();
}

function startCall(view) {
  current = { view, segments: new Map(), partials: {}, form: null, lastAssist: "", lastKnowledge: "" };
  view.transcript.forEach(addFinal);
  clearPanels();
}

async function offered(queuedCallId) {
  if (!queuedCallId) return;
  const view = await api(`/api/console/calls/${queuedCallId}`);
  if (isCurrent(view.queued_call_id)) {
    current.view = view;
    view.transcript.forEach(addFinal);
  } else {
    startCall(view);
  }
  callCard();
  showHistory();
  showTranscript();
  if (view.state === "offered") ring();
  else stopRing();
  if ((view.state !== "offered" || view.ticket) && !current.form) openForm();
}

async function accept() {
  if (!current || current.view.state !== "offered") return;
  stopRing();
  try {
    await api(`/api/acd/calls/${current.view.queued_call_id}/accept`, { method: "POST" });
    await offered(current.view.queued_call_id);
    presence = await api("/api/acd/me");
    showState();
    $("summary")?.focus();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function hangup() {
  if (!current || current.view.state !== "answered") return;
  try {
    await api(`/api/acd/calls/by-id/${encodeURIComponent(current.view.call_id)}/hangup`, { method: "POST" });
    current.view.state = "ended";
    callCard();
    presence = await api("/api/acd/me");
    showState();
  } catch (error) {
    toast(error.message, "error");
  }
}

function forgetCall() {
  current = null;
  stopRing();
  clearPanels();
  callCard();
  showHistory();
  showTranscript();
}

// ---- transcript --------------------------------------------------------------------------------------

function addFinal(segment) {
  current.segments.set(`${segment.leg}:${Number(segment.start).toFixed(2)}`, segment);
  delete current.partials[segment.leg];
}

function finals() {
  return current ? [...current.segments.values()].sort((a, b) => a.start - b.start) : [];
}

function showTranscript() {
  const box = $("transcript");
  const lines = finals().map((s) =>
    el("div", { class: `line leg-${s.leg} final` }, el("span", { class: "leg" }, LEG_NAMES[s.leg] || s.leg), el("span", {}, s.text)),
  );
  for (const [leg, text] of Object.entries(current?.partials || {})) {
    lines.push(el("div", { class: `line leg-${leg} partial` }, el("span", { class: "leg" }, LEG_NAMES[leg] || leg), el("span", {}, text)));
  }
  if (!lines.length) lines.push(el("p", { class: "muted small" }, current ? "等待通话内容…" : "通话开始后显示转写"));
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
  box.replaceChildren(...lines);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// The caller's words: what the triage, the suggestions and 智能填单 read (the agent's questions are not the caller's).
function callerWords() {
  return finals()
    .filter((s) => s.leg === "caller")
    .map((s) => s.text)
    .join("。");
}

// ---- suggestions, triage, knowledge, similar ---------------------------------------------------------

// 建议有误: one click records which model erred on what; the form's current value, when it differs, is the
// right one and weighs more in the next training (classifier/loop.py).
async function markWrong(suggestion, text, head, value, button) {
  const correct = current?.form?.chosen()[head] || null;
  button.disabled = true;
  try {
    const answer = await api("/api/classifier/feedback", {
      method: "POST",
      json: { head, suggested: String(value.raw), correct, model: suggestion.model || "base", text },
    });
    button.textContent = "已标记";
    toast(answer.message);
  } catch (error) {
    button.disabled = false;
    toast(error.message, "error");
  }
}

const refreshAssist = debounce(async () => {
  if (!current?.form) return;
  const id = current.view.queued_call_id;
  const text = [callerWords(), current.form.description()].filter(Boolean).join("\n");
  if (!text || text === current.lastAssist) return;
  current.lastAssist = text;
  let assist;
  try {
    assist = await api(`/api/console/calls/${id}/assist`, { method: "POST", json: { text, address: current.form.address() } });
  } catch (error) {
    if (isCurrent(id)) $("suggestion").replaceChildren(el("p", { class: "muted small" }, error.message));
    return;
  }
  if (!isCurrent(id) || assist.queued_call_id !== id) return; // an answer for a call no longer on screen
  renderBanner($("triage-banner"), assist.triage, { onTransfer: (partner) => current.form.submit(partner) });
  renderSuggestion($("suggestion"), assist, {
    onUse: (s) => current.form.apply(s),
    onMarkWrong: (head, v, button) => markWrong(assist.suggestion, text, head, v, button),
  });
  renderSimilar($("similar"), assist, { onMerge: (t) => current.form.mergeInto(t.number) });
  current.form.offerSuggestion(assist);
}, 600);

const refreshKnowledge = debounce(async (force = false) => {
  if (!current) return;
  const id = current.view.queued_call_id;
  const query = $("knowledge-query").value.trim();
  const segments = finals().map((s) => ({ text: s.text, end: s.end }));
  const key = `${query}\n${segments.map((s) => s.text).join("")}`;
  if (!force && key === current.lastKnowledge) return;
  current.lastKnowledge = key;
  if (!query && !segments.length) return renderKnowledge($("knowledge"), undefined, {});
  let found = null;
  try {
    found = await api("/api/knowledge/suggest", { method: "POST", json: { segments, query, limit: 5 } });
  } catch {
    found = null;
  }
  if (!isCurrent(id)) return;
  renderKnowledge($("knowledge"), found, { onOpen: openArticle, onUse: useArticle });
}, 400);

function articleText(article) {
  return `${article.title}：\n${article.body}`;
}

async function openArticle(hit) {
  const id = current?.view.queued_call_id;
  try {
    const article = await api(`/api/knowledge/articles/${hit.id}`);
    if (current && current.view.queued_call_id !== id) return;
    renderArticle($("article-panel"), article, { onUse: useArticle, onClose: closeArticle });
  } catch (error) {
    toast(error.message, "error");
  }
}

function closeArticle() {
  renderArticle($("article-panel"), null, {});
}

// 用于直接答复: the article's full text goes into the answer (the hit's snippet is only a window of it).
async function useArticle(hitOrArticle) {
  if (!current?.form) return toast("接听后才能填入答复", "warn");
  const article = hitOrArticle.body ? hitOrArticle : await api(`/api/knowledge/articles/${hitOrArticle.id}`);
  current.form.useArticle(article, articleText(article));
}

function refreshAll() {
  refreshAssist();
  refreshKnowledge();
}

// ---- the ticket form ---------------------------------------------------------------------------------

function openForm() {
  const callId = current.view.call_id;
  current.form = ticketForm($("ticket-form"), {
    call: current.view,
    userId: user.id,
    departments,
    onChange: refreshAssist,
    onDone: (ticket, what) => {
      toast(`工单 ${ticket.number}：${what}`);
      notice(`工单 ${ticket.number} 已${what}`, "ok", callId);
    },
  });
  current.form.follow(callerWords);
  refreshAll();
}

// ---- notifications -----------------------------------------------------------------------------------

function countNotices() {
  const count = $("notices").children.length;
  $("notice-count").textContent = String(count);
  $("notice-count").classList.toggle("has", count > 0);
}

// `callId`: a notice about one call goes when the next call starts.
function notice(text, kind = "info", callId = null) {
  const list = $("notices");
  const item = el("li", { class: `notice notice-${kind}` }, el("time", {}, formatTime(new Date().toISOString()).slice(11)), " ", text);
  if (callId) item.dataset.call = callId;
  list.prepend(item);
  while (list.children.length > 30) list.lastChild.remove();
  countNotices();
}

function onTicketEvent(event) {
  const p = event.payload;
  if (event.type === "ticket.return") notice(`工单 ${p.number} 被${p.actor}退回`, "warn");
  else if (event.type === "ticket.supervise" && p.actor_role === "system") notice(`工单 ${p.number} 已超期（督办）`, "danger");
  else if (event.type === "ticket.remind" && p.actor_role === "system") notice(`工单 ${p.number} 即将到期（催办）`, "warn");
}

function onCallEvent(p) {
  if (p.state === "offered" && p.offered_to === user.id) {
    returnedCalls.delete(p.call_id);
    offered(p.queued_call_id);
    return;
  }
  if (p.state === "offered" && returnedCalls.has(p.call_id)) {
    returnedCalls.delete(p.call_id); // it rang here unanswered; now another agent has it
    notice(`来电 ${p.caller_phone || ""} 已转给其他座席`, "info");
    return;
  }
  if (!isCurrent(p.queued_call_id)) return;
  const call = current.view;
  if (p.state === "abandoned") notice(`来电 ${call.caller_phone || ""} 已挂断（未接通）`, "warn");
  if (p.state === "waiting") {
    returnedCalls.add(call.call_id);
    notice(`来电 ${call.caller_phone || ""} 未接听，已退回排队，等待空闲座席`, "warn");
  }
  if (p.state === "ended") {
    notice("通话已结束，进入话后整理", "info", call.call_id);
    current.partials = {}; // words never confirmed by a final are not what the caller said: drop them at hang-up
    showTranscript();
  }
  call.state = p.state;
  if (p.state !== "offered") stopRing();
  if (p.state === "abandoned" || p.state === "waiting") forgetCall();
  else callCard();
}

function onAgentState(p) {
  if (p.reason === "no_answer") {
    notice("因来电未接听，系统已将您置为示忙；按 F6 示闲后继续接听", "danger");
    toast("未接听来电，已自动示忙（F6 示闲）", "warn");
  }
  api("/api/acd/me").then((me) => {
    presence = me;
    showState();
    if (me.state === "ringing") offered(me.queued_call_id);
  });
}

// ---- events ------------------------------------------------------------------------------------------

function onEvent(event) {
  const p = event.payload;
  if (event.type === "acd.agent_state" && p.user_id === user.id) onAgentState(p);
  else if (event.type === "acd.call") onCallEvent(p);
  else if (event.type.startsWith("call.transcript.")) {
    if (!current || p.call_id !== current.view.call_id) return;
    if (event.type === "call.transcript.final") {
      addFinal(p);
      refreshAll();
    } else if (current.view.state === "ended") return; // a partial after hang-up would never be replaced
    else if (p.text) current.partials[p.leg] = p.text;
    else delete current.partials[p.leg]; // the recogniser's empty partial after a final: nothing is being said
    showTranscript();
  } else if (event.type === "console.message") {
    notice(`${p.from_name}：${p.text}`, "message");
    toast(`班长消息：${p.text}`, "warn");
  } else if (event.type.startsWith("ticket.")) onTicketEvent(event);
}

// On (re)connect: the ACD's truth. A call still held by this agent comes back with its transcript, its filed
// ticket or the half-filled form kept in this browser.
async function reload(why, message) {
  if (message) toast(message, "warn");
  presence = await api("/api/acd/me");
  showState();
  if (presence.queued_call_id && ["ringing", "on_call", "wrap_up"].includes(presence.state)) {
    await offered(presence.queued_call_id);
  } else if (current && ["offered", "answered"].includes(current.view.state)) {
    forgetCall();
  }
}

// ---- keys --------------------------------------------------------------------------------------------

const KEYS = {
  F2: accept,
  F3: () => $("knowledge-query").focus(),
  F4: hangup,
  F6: () => setState("ready"),
  F7: () => setState("not_ready"),
  F8: () => setState("offline"),
  F9: () => current?.form?.submit("dispatch"),
  F10: () => current?.form?.submit("answer"),
  Escape: closeArticle,
};

async function main() {
  ({ user } = await startPage({ roles: ["agent", "supervisor"] }));
  $("wallboard-link").hidden = user.role !== "supervisor";
  departments = await api("/api/departments");
  pruneDrafts();
  document.querySelectorAll(".state-btn").forEach((b) => b.addEventListener("click", () => setState(b.dataset.set)));
  document.addEventListener("keydown", (event) => {
    const action = KEYS[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && $("article-panel").hidden) return;
    event.preventDefault();
    action();
  });
  $("knowledge-query").addEventListener("input", () => refreshKnowledge());
  $("knowledge-search").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshKnowledge(true);
  });
  window.consoleSocket = connectConsole({
    onEvent,
    onReload: (why, message) => reload(why, message).catch((e) => toast(e.message, "error")),
    onStatus: (status) => setLiveStatus(status),
  });
}

main().catch((error) => showError(document.getElementById("call-card"), error) && clearError(null));
