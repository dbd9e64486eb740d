// Small SVG charts with no library: vertical bars (trend) and horizontal bars (shares, ranking).
// Every bar carries `data-drill` (JSON of the drill-down query) so a click can open the tickets behind it.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function columns(items, { height = 220, color = "#1f4e79" } = {}) {
  const width = 640;
  const top = Math.max(1, ...items.map((i) => i.value));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height + 30}`, role: "img" });
  const step = width / Math.max(1, items.length);
  items.forEach((item, index) => {
    const h = (item.value / top) * (height - 18); // the top 18 units hold the "最高 n" label, clear of the bars
    const bar = svg("rect", { x: index * step + 1, y: height - h, width: Math.max(1, step - 2), height: h, fill: color });
    bar.dataset.drill = JSON.stringify(item.drill);
    bar.append(svg("title", {}, `${item.label}：${item.value}`));
    root.append(bar);
    if (index % Math.ceil(items.length / 8) === 0) {
      root.append(svg("text", { x: index * step, y: height + 18, "font-size": 11, fill: "#555" }, item.label));
    }
  });
  root.append(svg("text", { x: 4, y: 12, "font-size": 11, fill: "#555" }, `最高 ${top}`));
  return root;
}

export function bars(items, { color = "#1f4e79", unit = "" } = {}) {
  const row = 24;
  const width = 640;
  const labelWidth = 220;
  const top = Math.max(1, ...items.map((i) => i.value));
  const root = svg("svg", { viewBox: `0 0 ${width} ${items.length * row + 4}`, role: "img" });
  items.forEach((item, index) => {
    const y = index * row + 2;
    const w = ((width - labelWidth - 60) * item.value) / top;
    const group = svg("g");
    group.dataset.drill = JSON.stringify(item.drill);
    group.append(svg("text", { x: 0, y: y + 15, "font-size": 12, fill: "#333" }, item.label.slice(0, 18)));
    group.append(svg("rect", { x: labelWidth, y, width: Math.max(1, w), height: row - 6, fill: color }));
    group.append(svg("text", { x: labelWidth + w + 4, y: y + 14, "font-size": 11, fill: "#555" }, `${item.value}${unit}`));
    group.append(svg("title", {}, `${item.label}：${item.value}${unit}`));
    root.append(group);
  });
  return root;
}
