// The console's assist panels, each drawn for one call: the safety banner (紧急: 转 110 / 119 / 120 first),
// the suggestion (topic / department / request type / urgency / 属地), knowledge hits and the article in full,
// and similar open tickets to merge with.

import { el, stateBadge } from "/static/js/ui.js";

const HEADS = { topic: "诉求分类", department: "承办单位", request_type: "诉求类型", urgency: "紧急程度", jurisdiction: "属地" };
export const URGENCY_NAMES = { urgent: "紧急", high: "较急", normal: "普通" };
export const PARTNER_NAMES = { 110: "110", 119: "119", 120: "120", city: "数字城管" };

function words(value) {
  if (Array.isArray(value)) return value.filter(Boolean).join("、");
  return typeof value === "string" ? value : "";
}

// A head from routing.suggest, whatever its exact shape: {label|name|value, confidence, reason|reason_words}.
export function headValue(head) {
  if (head === null || head === undefined) return null;
  if (typeof head !== "object") return { label: String(head), raw: head, confidence: null, reason: "" };
  const label = head.label ?? head.name ?? head.value ?? null;
  if (label === null || label === "") return null;
  const reason = (words(head.reason) || words(head.reason_words) || words(head.cues)).replace(/^依据[:：]\s*/, "");
  return { label: String(URGENCY_NAMES[label] || label), raw: label, confidence: head.confidence ?? null, reason };
}

function percent(value) {
  return typeof value === "number" ? `${Math.round(value * 100)}%` : "";
}

// Heads the classifier learns: each has a one-click "有误" (the suggestion was wrong) button.
const LEARNED = new Set(["topic", "department", "request_type"]);

export function renderSuggestion(box, assist, { onUse, onMarkWrong }) {
  const s = assist.suggestion;
  if (!s) {
    box.replaceChildren(el("p", { class: "muted small" }, assist.suggestion_note || "暂无建议"));
    return;
  }
  const rows = Object.entries(HEADS)
    .map(([key, name]) => [key, name, headValue(s[key])])
    .filter(([, , v]) => v);
  // replaceChildren writes a null child as the text "null": only real nodes go in.
  const parts = [
    el(
      "dl",
      { class: "suggest-list" },
      rows.map(([key, name, v]) =>
        el(
          "div",
          { class: `suggest-row ${key === "urgency" ? `level-${v.raw}` : ""}`, dataset: { head: key } },
          el("dt", {}, name),
          el(
            "dd",
            {},
            el("strong", {}, v.label),
            v.confidence !== null ? el("span", { class: "confidence" }, percent(v.confidence)) : null,
            LEARNED.has(key) && onMarkWrong
              ? el("button", { type: "button", class: "btn subtle mark-wrong", title: "标记此建议有误（用于改进模型）", onclick: (event) => onMarkWrong(key, v, event.currentTarget) }, "有误")
              : null,
          ),
          v.reason ? el("dd", { class: "reason muted small" }, `依据：${v.reason}`) : null,
        ),
      ),
    ),
    assist.suggestion_note ? el("p", { class: "muted small", id: "suggestion-note" }, assist.suggestion_note) : null,
    el("button", { type: "button", class: "btn", onclick: () => onUse(s) }, "采用建议填入工单"),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

// 紧急: the advice and one button per referral, the first one highlighted; 较急: what was heard. Hidden otherwise.
export function renderBanner(box, triage, { onTransfer }) {
  if (!triage || triage.level === "normal") {
    box.hidden = true;
    box.replaceChildren();
    delete box.dataset.level;
    return;
  }
  box.hidden = false;
  box.dataset.level = triage.level;
  box.dataset.referral = (triage.referral || []).join(" ");
  const heard = triage.cues?.length ? `（听到：${triage.cues.join("、")}）` : "";
  if (triage.level === "high") {
    box.replaceChildren(el("strong", { class: "level" }, "较急"), el("span", {}, `设施或供应险情，请优先处理${heard}`));
    return;
  }
  box.replaceChildren(
    el("strong", { class: "level" }, "紧急"),
    el("span", { class: "advice" }, triage.advice || "请立即转有关单位"),
    el("span", { class: "muted-light" }, heard),
    el("span", { class: "spacer" }),
    ...(triage.referral || []).map((number, index) =>
      el(
        "button",
        { type: "button", class: `btn ${index === 0 ? "primary recommended" : ""}`, dataset: { partner: number }, onclick: () => onTransfer(number) },
        `一键转 ${PARTNER_NAMES[number] || number}`,
      ),
    ),
  );
}

export function renderKnowledge(box, found, { onOpen, onUse }) {
  if (found === null) return box.replaceChildren(el("li", { class: "muted small" }, "知识库暂不可用"));
  if (found === undefined) return box.replaceChildren(el("li", { class: "muted small" }, "随通话内容刷新"));
  if (!found.hits.length) return box.replaceChildren(el("li", { class: "muted small no-match" }, "知识库无匹配"));
  box.replaceChildren(
    ...found.hits.map((hit) => {
      const title = el("button", { type: "button", class: "hit-title link", onclick: () => onOpen(hit) });
      title.innerHTML = hit.title_html; // escaped by the server, <mark> around the matched words
      const snippet = el("p", { class: "small" });
      snippet.innerHTML = hit.snippet_html;
      return el(
        "li",
        { class: "hit", dataset: { article: hit.id } },
        title,
        snippet,
        el(
          "div",
          { class: "hit-actions" },
          el("button", { type: "button", class: "btn small-btn", onclick: () => onOpen(hit) }, "查看全文"),
          el("button", { type: "button", class: "btn small-btn", onclick: () => onUse(hit) }, "用于直接答复"),
        ),
      );
    }),
  );
}

// The article in full beside the panes; Esc or 关闭 closes it.
export function renderArticle(panel, article, { onUse, onClose }) {
  if (!article) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  panel.hidden = false;
  panel.dataset.article = article.id;
  panel.replaceChildren(
    el(
      "div",
      { class: "article-head" },
      el("h3", {}, article.title),
      el("button", { type: "button", class: "btn subtle", onclick: onClose, title: "Esc" }, "关闭"),
    ),
    el("p", { class: "muted small" }, [article.department, `第 ${article.version} 版`].filter(Boolean).join(" · ")),
    el("div", { class: "article-body" }, article.body),
    el("div", { class: "article-actions" }, el("button", { type: "button", class: "btn primary", onclick: () => onUse(article) }, "用于直接答复")),
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
