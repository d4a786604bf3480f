// Small inline-SVG charts for the agreement dashboard: no libraries. Each function returns an
// <svg role="img"> with a <title> and <desc>, and its numbers drawn as text, so the figure reads
// without colour and to a screen reader. Data attributes (data-r, data-count…) name each mark.

import { svg } from "../lib/dom.js";

let uid = 0;

/** The outer <svg>: sized by its viewBox, labelled by its title and description. */
function figure(width, height, title, desc, cls) {
  uid += 1;
  const ids = { title: `chart-title-${uid}`, desc: `chart-desc-${uid}` };
  return svg(
    "svg",
    {
      class: `chart ${cls}`,
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "aria-labelledby": ids.title,
      "aria-describedby": ids.desc,
    },
    svg("title", { id: ids.title }, title),
    svg("desc", { id: ids.desc }, desc),
  );
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** R with two decimals ("0.67"), or "—" when undefined. */
export const formatR = (r) => (r === null || r === undefined ? "—" : Number(r).toFixed(2));

/** 0..1 → a colour from red (0) through amber (0.5) to green (1). */
export function rColour(r) {
  const stops = [
    [0, [196, 56, 43]],
    [0.5, [240, 184, 64]],
    [1, [38, 140, 78]],
  ];
  const t = Math.max(0, Math.min(1, Number(r) || 0));
  const [a, b] = t <= 0.5 ? [stops[0], stops[1]] : [stops[1], stops[2]];
  const f = (t - a[0]) / (b[0] - a[0]);
  const rgb = a[1].map((c, k) => Math.round(c + (b[1][k] - c) * f));
  return `rgb(${rgb.join(" ")})`;
}

/** Text colour that stays readable on a cell of colour rColour(r). */
export const inkOn = (r) => (r > 0.3 && r < 0.75 ? "#1d2430" : "#fff");

/**
 * The labeler × labeler R matrix: each cell shows R_pair and the number of shared videos; cells
 * of pairs that share nothing stay empty. `pairs`: per_pair rows (labeler_i, labeler_j, videos, r).
 */
export function heatmap(pairs, labelers) {
  const codes = [...new Set(labelers)].sort();
  const cell = 74;
  const left = 64;
  const top = 40;
  const size = codes.length * cell;
  const width = left + size + 90;
  const height = Math.max(top + size + 16, 200);
  const byPair = new Map();
  for (const p of pairs) {
    byPair.set(`${p.labeler_i}|${p.labeler_j}`, p);
    byPair.set(`${p.labeler_j}|${p.labeler_i}`, p);
  }
  const shared = pairs.filter((p) => p.videos > 0).length;
  const root = figure(
    width,
    height,
    "R per labeler pair",
    `A ${codes.length} by ${codes.length} matrix of R pooled over the videos each pair shares; ` +
      `${shared} pair${shared === 1 ? "" : "s"} share videos. Each cell gives R and n, the number ` +
      "of shared videos; empty cells: the pair shares no video.",
    "heatmap",
  );
  codes.forEach((code, k) => {
    const mid = k * cell + cell / 2;
    root.append(
      svg("text", { x: left + mid, y: top - 12, class: "axis-label", "text-anchor": "middle" }, code),
      svg("text", { x: left - 10, y: top + mid + 4, class: "axis-label", "text-anchor": "end" }, code),
    );
  });
  codes.forEach((row, a) => {
    codes.forEach((col, b) => {
      const x = left + b * cell;
      const y = top + a * cell;
      const pair = a === b ? null : byPair.get(`${row}|${col}`);
      const known = pair && pair.videos > 0;
      const g = svg("g", {
        class: known ? "cell" : "cell empty",
        "data-row": row,
        "data-col": col,
        "data-r": known && pair.r !== null ? pair.r : null,
        "data-videos": known ? pair.videos : null,
      });
      const fill = known && pair.r !== null ? rColour(pair.r) : a === b ? "#e4e7ec" : "#f6f7f9";
      g.append(svg("rect", { x, y, width: cell - 2, height: cell - 2, rx: 3, fill }));
      if (known) {
        const ink = pair.r === null ? "#1d2430" : inkOn(pair.r);
        g.append(
          svg("title", {}, `${row} × ${col}: R = ${formatR(pair.r)} over ${pair.videos} shared video` +
            `${pair.videos === 1 ? "" : "s"} (M = ${pair.m}, n = ${pair.n_i} + ${pair.n_j})`),
          svg("text", { x: x + cell / 2 - 1, y: y + cell / 2 - 2, class: "cell-r", fill: ink,
            "text-anchor": "middle" }, formatR(pair.r)),
          svg("text", { x: x + cell / 2 - 1, y: y + cell / 2 + 15, class: "cell-n", fill: ink,
            "text-anchor": "middle" }, `n=${pair.videos}`),
        );
      } else {
        g.append(svg("title", {}, a === b ? `${row}` : `${row} × ${col}: no shared video`));
      }
      root.append(g);
    });
  });
  // The colour scale: a vertical gradient from R = 1 (top) to R = 0 (bottom).
  const gx = left + size + 24;
  const gradId = `rscale-${uid}`;
  const gradient = svg("linearGradient", { id: gradId, x1: 0, y1: 0, x2: 0, y2: 1 });
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    gradient.append(svg("stop", { offset: `${t * 100}%`, "stop-color": rColour(1 - t) }));
  }
  const scaleHeight = Math.max(size - 4, 120);
  root.append(
    svg("defs", {}, gradient),
    svg("g", { class: "legend", "aria-hidden": "true" },
      svg("rect", { x: gx, y: top, width: 14, height: scaleHeight, fill: `url(#${gradId})`, rx: 2 }),
      svg("text", { x: gx + 20, y: top + 10, class: "tick" }, "R 1"),
      svg("text", { x: gx + 20, y: top + scaleHeight / 2 + 4, class: "tick" }, "0.5"),
      svg("text", { x: gx + 20, y: top + scaleHeight, class: "tick" }, "0")),
  );
  return root;
}

/** Horizontal bars, one per category: "code name" on the left, R as a bar and as text. */
export function categoryBars(categories) {
  const rowH = 20;
  const left = 230;
  const barW = 300;
  const top = 22;
  const width = left + barW + 110;
  const height = top + categories.length * rowH + 8;
  const root = figure(
    width,
    height,
    "R per category",
    `R of each category alone, pooled over all compared videos; ${categories.length} categories.`,
    "bars",
  );
  for (const t of [0, 0.5, 1]) {
    const x = left + t * barW;
    root.append(
      svg("line", { x1: x, x2: x, y1: top - 4, y2: height - 6, class: "grid" }),
      svg("text", { x, y: top - 8, class: "tick", "text-anchor": "middle" }, String(t)),
    );
  }
  categories.forEach((c, k) => {
    const y = top + k * rowH;
    const label = `${c.category} ${c.name || ""}`.trim();
    const r = c.r === null || c.r === undefined ? null : Number(c.r);
    const g = svg("g", { class: "bar", "data-category": c.category, "data-r": r });
    g.append(
      svg("title", {}, `${label}: R = ${formatR(r)} (M = ${c.m}, n = ${c.n_i} + ${c.n_j})`),
      svg("text", { x: left - 8, y: y + 14, class: "bar-label", "text-anchor": "end" },
        label.length > 34 ? `${label.slice(0, 33)}…` : label),
      svg("rect", { x: left, y: y + 3, width: r === null ? 0 : round(r * barW, 1), height: rowH - 6,
        fill: r === null ? "none" : rColour(r), rx: 2 }),
      svg("text", { x: left + (r === null ? 0 : r * barW) + 6, y: y + 14, class: "bar-value" },
        `${formatR(r)}  (${c.n_i + c.n_j})`),
    );
    root.append(g);
  });
  return root;
}

/**
 * R(θ) for θ = 0.1…0.9 as a line with a point per θ; the marked θ values (e.g. the project's and
 * the run's) as dashed vertical lines.
 */
export function rCurve(curve, marks = []) {
  const width = 460;
  const height = 260;
  const m = { left: 48, right: 16, top: 18, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const x = (theta) => m.left + ((theta - 0.1) / 0.8) * w;
  const y = (r) => m.top + (1 - r) * h;
  const points = curve.filter((p) => p.r !== null && p.r !== undefined);
  const root = figure(
    width,
    height,
    "R as a function of θ",
    "R pooled over all compared videos for θ from 0.1 to 0.9: " +
      points.map((p) => `θ ${p.theta}: ${formatR(p.r)}`).join(", ") + ".",
    "curve",
  );
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(
      svg("line", { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: "grid" }),
      svg("text", { x: m.left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, String(t)),
    );
  }
  for (const p of curve) {
    root.append(svg("text", { x: x(p.theta), y: height - m.bottom + 16, class: "tick",
      "text-anchor": "middle" }, String(p.theta)));
  }
  root.append(
    svg("text", { x: m.left + w / 2, y: height - 4, class: "axis-label", "text-anchor": "middle" }, "θ"),
    svg("text", { x: 12, y: m.top + h / 2, class: "axis-label", "text-anchor": "middle",
      transform: `rotate(-90 12 ${m.top + h / 2})` }, "R"),
  );
  const seen = new Set();
  for (const mark of marks) {
    const theta = Number(mark.theta);
    if (!Number.isFinite(theta) || seen.has(theta)) continue;
    seen.add(theta);
    const mx = x(Math.max(0.1, Math.min(0.9, theta)));
    root.append(
      svg("g", { class: "theta-mark", "data-theta": theta },
        svg("line", { x1: mx, x2: mx, y1: m.top, y2: m.top + h }),
        svg("text", { x: mx + 4, y: m.top + 12 + 14 * (seen.size - 1), class: "tick" },
          `${mark.label} θ = ${theta}`)),
    );
  }
  if (points.length) {
    root.append(svg("polyline", {
      class: "line",
      points: points.map((p) => `${round(x(p.theta), 1)},${round(y(p.r), 1)}`).join(" "),
    }));
  }
  for (const p of points) {
    root.append(svg("circle", { class: "point", cx: round(x(p.theta), 1), cy: round(y(p.r), 1), r: 4,
      "data-theta": p.theta, "data-r": p.r }, svg("title", {}, `θ = ${p.theta}: R = ${formatR(p.r)} (M = ${p.m})`)));
  }
  return root;
}

/** Integer deltas → bins of equal width (at most `maxBins`): [{lo, hi, count}]. */
export function binDeltas(values, maxBins = 21) {
  const nums = values.map(Number).filter(Number.isFinite);
  if (!nums.length) return [];
  const lo = Math.floor(Math.min(...nums));
  const hi = Math.ceil(Math.max(...nums));
  const span = hi - lo + 1;
  const width = Math.max(1, Math.ceil(span / maxBins));
  const bins = [];
  for (let start = lo; start <= hi; start += width) bins.push({ lo: start, hi: start + width - 1, count: 0 });
  for (const v of nums) bins[Math.min(bins.length - 1, Math.floor((v - lo) / width))].count += 1;
  return bins;
}

/** A histogram of boundary deltas in frames (signed j − i), one bar per bin, counts on top. */
export function histogram(values, name) {
  const bins = binDeltas(values);
  const width = 420;
  const height = 220;
  const m = { left: 36, right: 10, top: 20, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = bins.length ? w / bins.length : w;
  const root = figure(
    width,
    height,
    `${name} deltas`,
    `Histogram of ${values.length} ${name.toLowerCase()} deltas in frames (labeler j minus i) ` +
      `of matched pairs: ${bins.map((b) => `${label(b)}: ${b.count}`).join(", ") || "none"}.`,
    "histogram",
  );
  root.append(
    svg("line", { x1: m.left, x2: width - m.right, y1: m.top + h, y2: m.top + h, class: "axis" }),
    svg("text", { x: m.left + w / 2, y: height - 4, class: "axis-label", "text-anchor": "middle" },
      "frames (j − i)"),
    svg("text", { x: m.left - 6, y: m.top + 4, class: "tick", "text-anchor": "end" }, String(max)),
    svg("text", { x: m.left - 6, y: m.top + h, class: "tick", "text-anchor": "end" }, "0"),
  );
  const every = Math.ceil(bins.length / 11);
  bins.forEach((b, k) => {
    const bh = (b.count / max) * h;
    const bx = m.left + k * bw;
    const g = svg("g", { class: "bin", "data-lo": b.lo, "data-hi": b.hi, "data-count": b.count });
    g.append(
      svg("title", {}, `${label(b)} frames: ${b.count}`),
      svg("rect", { x: round(bx + 1, 1), y: round(m.top + h - bh, 1), width: round(Math.max(1, bw - 2), 1),
        height: round(bh, 1) }),
    );
    if (b.count) {
      g.append(svg("text", { x: round(bx + bw / 2, 1), y: round(m.top + h - bh - 3, 1), class: "tick",
        "text-anchor": "middle" }, String(b.count)));
    }
    if (k % every === 0) {
      g.append(svg("text", { x: round(bx + bw / 2, 1), y: m.top + h + 14, class: "tick",
        "text-anchor": "middle" }, String(b.lo)));
    }
    root.append(g);
  });
  return root;
}

const label = (b) => (b.lo === b.hi ? String(b.lo) : `${b.lo}…${b.hi}`);
