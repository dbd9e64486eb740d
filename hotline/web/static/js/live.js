// The live feed of ticket events, reconnecting by itself: each connection first trades the login token for a
// single-use ticket (POST /api/events/ticket), then opens WebSocket /api/events/ws?ticket=…, so the login token
// never appears in a URL or an access log.
// `onStatus("open" | "closed")` lets a page show the connection and reload what it may have missed.

import { api, clearSession, goToLogin } from "./api.js";

const CLOSE_UNAUTHORIZED = 4401;

export function connectLive({ onEvent, onStatus = () => {} }) {
  let socket = null;
  let delay = 1000;
  let stopped = false;
  let timer = null;

  function retry() {
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, 15000);
  }

  async function open() {
    let ticket;
    try {
      ({ ticket } = await api("/api/events/ticket", { method: "POST" }));
    } catch (error) {
      if (error.status !== 401 && !stopped) retry(); // 401: api() has already sent the page to the login
      return;
    }
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/events/ws?ticket=${encodeURIComponent(ticket)}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      onStatus("open");
    });
    socket.addEventListener("message", (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        console.warn("ignored a live event", error);
      }
    });
    socket.addEventListener("close", (close) => {
      onStatus("closed");
      if (stopped) return;
      if (close.code === CLOSE_UNAUTHORIZED) {
        clearSession();
        goToLogin();
        return;
      }
      retry();
    });
  }

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    },
  };
}
