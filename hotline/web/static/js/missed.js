// /missed: abandoned calls nobody has returned yet; one click records each callback's outcome (callback_attempt).

import { api } from "./api.js";
import { connectLive } from "./live.js";
import { setLiveStatus, startPage } from "./shell.js";
import { debounce, el, formatTime, toast } from "./ui.js";

const OUTCOMES = [
  ["reached", "已接通", "primary"],
  ["no_answer", "无人接听", ""],
  ["busy", "占线", ""],
  ["invalid", "空号/错号", "danger"],
];
const rows = document.getElementById("missed-rows");

async function record(call, outcome, name) {
  try {
    await api(`/api/acd/missed/${call.id}/callback`, { method: "POST", json: { outcome } });
    toast(`${call.caller_phone || "未知号码"}：${name}`);
    await load();
  } catch (error) {
    toast(error.message, "error");
  }
}

function row(call) {
  return el(
    "tr",
    { dataset: { id: call.id } },
    el("td", {}, formatTime(call.enqueued_at)),
    el("td", {}, call.caller_phone || "未知号码"),
    el("td", {}, call.wait_seconds === null ? "—" : `${Math.round(call.wait_seconds)} 秒`),
    el("td", { class: "attempts" }, call.attempts.length
      ? call.attempts.map((a) => `${formatTime(a.at)} ${a.outcome_name}`).join("；")
      : "未回拨"),
    el(
      "td",
      { class: "outcomes" },
      OUTCOMES.map(([outcome, name, tone]) =>
        el("button", { type: "button", class: `btn ${tone}`, onclick: () => record(call, outcome, name) }, name),
      ),
    ),
  );
}

async function load() {
  const calls = await api("/api/acd/missed");
  rows.replaceChildren(...(calls.length ? calls.map(row) : [el("tr", {}, el("td", { colspan: 5 }, "没有待回拨的来电"))]));
}

async function main() {
  await startPage({ roles: ["agent", "supervisor"] });
  await load();
  connectLive({ onEvent: debounce(() => load().catch(() => {}), 300), onStatus: setLiveStatus });
}

main().catch((error) => toast(error.message, "error"));
