// The call a ticket was taken on: both legs of the transcript with the time each line was said, and the
// recording (fetched with the sign-in, since an <audio> tag cannot send the token). What the server withholds
// (保密, or masked numbers for liaisons) simply is not there.

import { api } from "./api.js";
import { el, formatTime } from "./ui.js";

function clock(iso) {
  return iso ? formatTime(iso).slice(11, 19) : "";
}

async function player(url) {
  const response = await api(url, { raw: true });
  const audio = el("audio", { controls: true, preload: "metadata", class: "call-recording" });
  audio.src = URL.createObjectURL(await response.blob());
  return audio;
}

export function renderCall(ticket) {
  if (!ticket.has_call) return null;
  const box = el("section", { class: "call-record", "aria-label": "通话记录" }, el("h3", {}, "通话记录"), el("p", { class: "muted" }, "正在加载…"));
  api(`/api/tickets/${ticket.number}/call`)
    .then(async (call) => {
      const lines = call.transcript.map((line) =>
        el(
          "li",
          { class: `call-line leg-${line.leg}` },
          el("time", { datetime: line.at || "" }, clock(line.at)),
          el("span", { class: "leg" }, line.leg_name),
          el("span", { class: "text" }, line.text),
        ),
      );
      const parts = [
        el("h3", {}, "通话记录"),
        el("p", { class: "muted" }, `来电 ${call.caller_phone || "（保密）"} · ${formatTime(call.answered_at || call.started_at)}`),
        call.recording_url ? await player(call.recording_url).catch(() => el("p", { class: "muted" }, "录音暂不可用")) : null,
        call.note ? el("p", { class: "muted call-note" }, call.note) : null,
        lines.length ? el("ol", { class: "call-lines" }, lines) : null,
      ];
      box.replaceChildren(...parts.filter(Boolean)); // a null child would be written as the text "null"
    })
    .catch((error) => box.replaceChildren(el("h3", {}, "通话记录"), el("p", { class: "muted" }, error.message)));
  return box;
}
