// /wallboard: queue, agents by state, service level, abandoned calls and tickets of today, live;
// and the supervisor's messages to one agent or all.

import { api } from "/static/js/api.js";
import { setLiveStatus, startPage } from "/static/js/shell.js";
import { debounce, el, durationWords, toast } from "/static/js/ui.js";
import { connectConsole } from "/console/assets/console-socket.js";

let board = null;
let loadedAt = 0;

function put(name, text, alarm = false) {
  const box = document.querySelector(`[data-figure="${name}"]`);
  box.querySelector(".value").textContent = text;
  box.classList.toggle("alarm", alarm);
}

function seconds(value) {
  return value < 60 ? `${Math.round(value)} 秒` : durationWords(value * 1000);
}

function showFigures() {
  if (!board) return;
  const waited = board.queue_length ? board.longest_wait_seconds + (Date.now() - loadedAt) / 1000 : 0;
  put("queue_length", String(board.queue_length), board.queue_length > 0);
  put("longest_wait", board.queue_length ? seconds(waited) : "—", waited > board.service_level_seconds);
  put("service_level", board.service_level === null ? "—" : `${(board.service_level * 100).toFixed(1)}%`);
  put("abandoned", String(board.abandoned), board.abandoned > 0);
  put("answered", String(board.answered));
  put("tickets_filed", String(board.tickets_filed));
  const states = Object.entries(board.agents).map(([state, n]) => `${board.agent_state_names[state]} ${n}`);
  put("agents", states.join(" · "));
}

async function load() {
  const [figures, agents] = await Promise.all([api("/api/acd/wallboard"), api("/api/console/agents")]);
  board = figures;
  loadedAt = Date.now();
  showFigures();
  document.getElementById("agent-rows").replaceChildren(
    ...agents.map((a) =>
      el(
        "tr",
        { dataset: { user: a.user_id, state: a.state } },
        el("td", {}, a.name),
        el("td", {}, el("span", { class: "state-chip", dataset: { state: a.state } }, a.state_name)),
        el("td", { class: "muted" }, a.state_since ? durationWords(Date.now() - new Date(a.state_since)) : "—"),
      ),
    ),
  );
  const to = document.getElementById("message-to");
  if (to.options.length === 1) agents.forEach((a) => to.append(el("option", { value: a.user_id }, a.name)));
}

async function main() {
  await startPage({ roles: ["supervisor", "manager", "admin"] });
  const refresh = debounce(() => load().catch((e) => toast(e.message, "error")), 250);
  connectConsole({
    onEvent: (event) => {
      if (event.type.startsWith("acd.") || event.type === "ticket.intake") refresh();
    },
    onReload: refresh,
    onStatus: setLiveStatus,
  });
  setInterval(showFigures, 1000); // the longest wait grows between events
  setInterval(refresh, 15000);
  document.getElementById("message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("message-text").value.trim();
    if (!text) return;
    const to = document.getElementById("message-to").value;
    try {
      await api("/api/console/messages", { method: "POST", json: { text, to_user_id: to ? Number(to) : null } });
      toast("消息已发送");
      document.getElementById("message-text").value = "";
    } catch (error) {
      toast(error.message, "error");
    }
  });
}

main().catch((error) => toast(error.message, "error"));
