// R against the reference answer over training rounds, as a small line: drawn for a
// labeler on their own results page and for every labeler on the admin's training page.

import { svg } from "../lib/dom.js";
import { formatR } from "./charts.js";

/** R per round as a line with a point per round (rounds without a reference are skipped). */
export function progressLine(rounds) {
  const points = rounds.filter((r) => r.score && r.score.r !== null && r.score.r !== undefined);
  const width = 320;
  const height = 140;
  const m = { left: 34, right: 12, top: 12, bottom: 28 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const n = Math.max(1, points.length - 1);
  const x = (k) => m.left + (points.length === 1 ? w / 2 : (k / n) * w);
  const y = (r) => m.top + (1 - r) * h;
  const root = svg("svg", { class: "chart progress-chart", viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-label": "R against the reference over rounds: " +
      points.map((p) => `round ${p.round} ${formatR(p.score.r)}`).join(", ") });
  for (const t of [0, 0.5, 1]) {
    root.append(svg("line", { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: "grid" }),
      svg("text", { x: m.left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, String(t)));
  }
  if (points.length > 1) {
    root.append(svg("polyline", { class: "line", fill: "none",
      points: points.map((p, k) => `${x(k).toFixed(1)},${y(p.score.r).toFixed(1)}`).join(" ") }));
  }
  points.forEach((p, k) => {
    root.append(
      svg("circle", { class: "point", cx: x(k).toFixed(1), cy: y(p.score.r).toFixed(1), r: 4,
        "data-round": p.round, "data-r": p.score.r }, svg("title", {}, `Round ${p.round}: R = ${formatR(p.score.r)}`)),
      svg("text", { x: x(k).toFixed(1), y: height - 8, class: "tick", "text-anchor": "middle" }, `#${p.round}`),
    );
  });
  return root;
}
