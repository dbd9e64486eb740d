// The liaison's live notices: a new ticket, one sent back to them, one near its deadline — a sound, a toast and,
// once the user allowed it, the browser's own notification (seen when the tab is in the background).

import { toast } from "./ui.js";

// Steps of the ticket that put work in front of the department, and what the notice says.
const NOTICES = {
  dispatch: "新派工单",
  redispatch: "改派来的工单",
  insist: "中心维持原派，工单退回本单位",
  send_back_reply: "答复被退回，请重新答复",
  near_due: "工单临近时限，请尽快办理",
};

function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
  } catch {
    // no audio device: the toast and the notification still show
  }
}

export function watchForNotices(user, enableButton) {
  const supported = "Notification" in window;
  const showButton = () => {
    enableButton.hidden = !supported || Notification.permission !== "default";
  };
  showButton();
  enableButton.addEventListener("click", async () => {
    await Notification.requestPermission();
    showButton();
  });
  const seen = new Set();
  return {
    onEvent(event) {
      const payload = event.payload || event;
      const title = NOTICES[payload.action];
      if (!title || payload.department_id !== user.department_id) return; // only what is now with us
      const key = `${payload.number}:${payload.action}:${payload.at}`;
      if (seen.has(key)) return;
      seen.add(key);
      const text = `${title}：${payload.number}`;
      document.body.dataset.lastNotice = text;
      beep();
      toast(text, "warn");
      if (supported && Notification.permission === "granted") {
        new Notification("12345 热线 · 联络员", { body: text, tag: key });
      }
    },
  };
}
