// The console's WebSocket (/api/console/ws): hello with the token and the last seq seen, heartbeats,
// reconnect with resume. `onReload()` runs when the page must reload its state from the API: on the
// first connection, and whenever the server says it cannot replay what was missed (resync).

import { clearSession, goToLogin, token } from "/static/js/api.js";

const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

export function connectConsole({ onEvent, onReload, onStatus = () => {} }) {
  let socket = null;
  let lastSeq = null; // the newest seq received: a reconnect asks for everything after it
  let delay = 500;
  let watchdog = null;
  let heartbeatMs = 15000;
  let stopped = false;
  let connections = 0; // welcomes received
  let reloads = 0; // times the page had to reload its state

  function watch() {
    clearTimeout(watchdog);
    // No heartbeat for 2.5 beats: the link is dead even if the browser has not noticed. Reconnect.
    watchdog = setTimeout(() => socket?.close(), heartbeatMs * 2.5);
  }

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/console/ws`);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", token: token() || "", since: lastSeq }));
    });
    socket.addEventListener("message", (raw) => {
      let message;
      try {
        message = JSON.parse(raw.data);
      } catch {
        return;
      }
      watch();
      if (message.seq !== null && message.seq !== undefined) {
        if (message.type !== "welcome" && lastSeq !== null && message.seq <= lastSeq) return; // seen already
        lastSeq = message.seq;
      }
      if (message.type === "welcome") {
        connections += 1;
        delay = 500;
        heartbeatMs = message.payload.heartbeat_seconds * 1000;
        onStatus("open", message.payload);
        if (!message.payload.resumed) {
          reloads += 1;
          onReload("connect");
        }
      } else if (message.type === "resync") {
        reloads += 1;
        onReload("resync", message.payload.message);
      } else if (message.type !== "heartbeat" && message.type !== "pong") {
        onEvent(message);
      }
    });
    socket.addEventListener("close", (close) => {
      clearTimeout(watchdog);
      onStatus("closed");
      if (stopped) return;
      if (close.code === CLOSE_UNAUTHORIZED || close.code === CLOSE_FORBIDDEN) {
        clearSession();
        goToLogin();
        return;
      }
      setTimeout(open, delay);
      delay = Math.min(Math.max(delay, 250) * 2, 10000);
    });
  }

  open();
  return {
    get lastSeq() {
      return lastSeq;
    },
    get connections() {
      return connections;
    },
    get reloads() {
      return reloads;
    },
    // Drop the link and come back after `afterMs`, resuming from the last seq (tests use it mid-call).
    reconnect(afterMs = 0) {
      delay = afterMs;
      socket?.close();
    },
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
