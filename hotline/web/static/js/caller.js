// /caller/{ticket number}: everything from the caller of that ticket — their tickets and their calls.
// Keyed by a ticket, so the full phone number never reaches the browser (it is shown masked).

import { api } from "./api.js";
import { setLiveStatus, startPage } from "./shell.js";
import { el, formatTime, stateBadge, toast } from "./ui.js";

async function main() {
  await startPage({ roles: ["agent", "supervisor", "manager"] });
  setLiveStatus("open");
  const number = decodeURIComponent(location.pathname.split("/")[2]);
  const page = await api(`/api/callers/of-ticket/${encodeURIComponent(number)}`);
  document.getElementById("caller-title").textContent = `来电人 ${page.phone || "（号码保密或未知）"}${page.name ? ` · ${page.name}` : ""}`;
  document.getElementById("caller-facts").textContent =
    `首次来电 ${formatTime(page.first_contact)} · 工单 ${page.tickets.length} 张 · 来电 ${page.calls.length} 通`;
  document.getElementById("caller-tickets").replaceChildren(
    ...page.tickets.map((t) =>
      el(
        "tr",
        { dataset: { number: t.number } },
        el("td", {}, el("a", { href: `/desk#${t.number}` }, t.number)),
        el("td", {}, formatTime(t.created_at)),
        el("td", {}, stateBadge(t.state, t.state_name)),
        el("td", {}, t.summary),
        el("td", {}, t.department?.name || "未派单"),
      ),
    ),
  );
  document.getElementById("caller-calls").replaceChildren(
    ...(page.calls.length
      ? page.calls.map((c) =>
          el("tr", {}, el("td", {}, formatTime(c.started_at)), el("td", {}, c.answered_at ? formatTime(c.answered_at) : "未接听"),
            el("td", {}, formatTime(c.ended_at))),
        )
      : [el("tr", {}, el("td", { colspan: 3 }, "没有来电记录"))]),
  );
}

main().catch((error) => toast(error.message, "error"));
