// The live feed of ticket events (WebSocket /api/events/ws?token=…), reconnecting by itself.
// `onStatus("open" | "closed")` lets a page show the connection and reload what it may have missed.

import { clearSession, goToLogin, token } from "./api.js";

const CLOSE_UNAUTHORIZED = 4401;

export function connectLive({ onEvent, onStatus = () => {} }) {
  let socket = null;
  let delay = 1000;
  let stopped = false;
  let timer = null;

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/events/ws?token=${encodeURIComponent(token() || "")}`);
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
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
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
