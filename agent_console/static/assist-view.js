// The suggestion panels: topic / department / request type / urgency with confidence and reason,
// knowledge hits, and similar open tickets to merge with.

import { el, stateBadge } from "/static/js/ui.js";

const HEADS = { topic: "诉求分类", department: "承办单位", request_type: "诉求类型", urgency: "紧急程度", jurisdiction: "属地" };
const URGENCY = { urgent: "紧急", normal: "普通" };

// A head from routing.suggest, whatever its exact shape: {label|name|value, confidence, reason|reason_words}.
export function headValue(head) {
  if (head === null || head === undefined) return null;
  if (typeof head !== "object") return { label: String(head), confidence: null, reason: "" };
  const label = head.label ?? head.name ?? head.value ?? head.department ?? null;
  const reason = Array.isArray(head.reason) ? head.reason.join("、") : head.reason || (head.reason_words || head.cues || []).join?.("、") || "";
  return label === null ? null : { label: String(URGENCY[label] || label), raw: label, confidence: head.confidence ?? null, reason };
}

function percent(value) {
  return value === null || value === undefined ? "" : `${Math.round(value * 100)}%`;
}

export function renderSuggestion(box, assist, { onUse }) {
  const s = assist.suggestion;
  if (!s) {
    box.replaceChildren(el("p", { class: "muted small" }, assist.suggestion_note || "暂无建议"));
    return;
  }
  const rows = Object.entries(HEADS)
    .map(([key, name]) => [key, name, headValue(s[key])])
    .filter(([, , v]) => v);
  box.replaceChildren(
    el(
      "dl",
      { class: "suggest-list" },
      rows.map(([key, name, v]) =>
        el(
          "div",
          { class: `suggest-row ${key === "urgency" && v.raw === "urgent" ? "urgent" : ""}`, dataset: { head: key } },
          el("dt", {}, name),
          el("dd", {}, el("strong", {}, v.label), v.confidence !== null ? el("span", { class: "confidence" }, percent(v.confidence)) : null),
          v.reason ? el("dd", { class: "reason muted small" }, `依据：${v.reason}`) : null,
        ),
      ),
    ),
    assist.suggestion_note ? el("p", { class: "muted small", id: "suggestion-note" }, assist.suggestion_note) : null,
    el("button", { type: "button", class: "btn", onclick: () => onUse(s) }, "采用建议填入工单"),
  );
}

export function renderKnowledge(box, hits, { onUse }) {
  if (hits === null) return box.replaceChildren(el("li", { class: "muted small" }, "知识库暂不可用"));
  if (!hits.length) return box.replaceChildren(el("li", { class: "muted small" }, "暂无匹配的知识"));
  box.replaceChildren(
    ...hits.map((hit) => {
      const title = el("strong", {});
      title.innerHTML = hit.title_html; // escaped by the server, <mark> around the matched words
      const snippet = el("p", { class: "small" });
      snippet.innerHTML = hit.snippet_html;
      return el(
        "li",
        { class: "hit", dataset: { article: hit.id } },
        title,
        snippet,
        el("button", { type: "button", class: "btn small-btn", onclick: () => onUse(hit) }, "用于直接答复"),
      );
    }),
  );
}

export function renderSimilar(box, assist, { onMerge }) {
  const items = assist.similar || [];
  if (!items.length) {
    return box.replaceChildren(el("li", { class: "muted small" }, assist.similar_note || "暂无相似的未办结工单"));
  }
  box.replaceChildren(
    ...items.map((t) =>
      el(
        "li",
        { class: "similar-item", dataset: { number: t.number } },
        el("div", {}, el("span", { class: "ticket-number" }, t.number), " ", t.state_name ? stateBadge(t.state, t.state_name) : null),
        el("div", { class: "small" }, t.summary || ""),
        el("div", { class: "muted small" }, t.why || (t.score ? `相似度 ${Math.round(t.score * 100)}%` : "")),
        t.mergeable === false ? null : el("button", { type: "button", class: "btn small-btn", onclick: () => onMerge(t) }, "并入此单"),
      ),
    ),
  );
}
