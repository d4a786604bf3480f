// One baseline run: status and progress, the per-epoch training curve (polled while the run is
// pending or running), the test metrics beside the trivial references and the paper, the
// confusion matrix, the per-class table and the artefact downloads.

import { get } from "./lib/api.js";
import { $, el, svg } from "./lib/dom.js";
import { formatPercent } from "./lib/format.js";
import { showError } from "./lib/notice.js";
import { Poller } from "./lib/poll.js";
import { jobUrl } from "./lib/urls.js";
import { badge } from "./lib/widgets.js";

const runId = Number($("run-app").dataset.runId);
const ACTIVE = new Set(["pending", "running"]);
const pct = (v) => (v === null || v === undefined ? "—" : (100 * Number(v)).toFixed(2));
const r2 = (x) => Math.round(x * 10) / 10;
let chartId = 0;

/** A line chart of `key` over the epochs (1..total), a point per finished epoch. */
export function lineChart(curve, key, title, total) {
  const points = curve.filter((p) => p[key] !== null && p[key] !== undefined);
  const width = 420;
  const height = 240;
  const m = { left: 52, right: 14, top: 16, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const values = points.map((p) => Number(p[key]));
  let lo = key === "accuracy" ? 0 : Math.min(...values, 0);
  let hi = key === "accuracy" ? 1 : Math.max(...values, 1e-9);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const last = Math.max(total || 1, ...points.map((p) => p.epoch), 2);
  const x = (e) => m.left + ((e - 1) / (last - 1)) * w;
  const y = (v) => m.top + (1 - (v - lo) / (hi - lo)) * h;
  chartId += 1;
  const ids = { t: `curve-title-${chartId}`, d: `curve-desc-${chartId}` };
  const root = svg("svg", { class: `chart curve-${key}`, viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-labelledby": ids.t, "aria-describedby": ids.d },
  svg("title", { id: ids.t }, title),
  svg("desc", { id: ids.d }, `${title} per epoch: ` +
      points.map((p) => `epoch ${p.epoch}: ${Number(p[key]).toFixed(4)}`).join(", ") + "."));
  for (let k = 0; k <= 4; k += 1) {
    const v = lo + ((hi - lo) * k) / 4;
    root.append(
      svg("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: m.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, v.toFixed(2)),
    );
  }
  const step = Math.max(1, Math.ceil(last / 10));
  for (let e = 1; e <= last; e += step) {
    root.append(svg("text", { x: x(e), y: height - m.bottom + 16, class: "tick", "text-anchor": "middle" }, String(e)));
  }
  root.append(
    svg("text", { x: m.left + w / 2, y: height - 4, class: "axis-label", "text-anchor": "middle" }, "epoch"),
    svg("text", { x: 12, y: m.top + h / 2, class: "axis-label", "text-anchor": "middle",
      transform: `rotate(-90 12 ${m.top + h / 2})` }, title),
  );
  if (points.length) {
    root.append(svg("polyline", { class: "line",
      points: points.map((p) => `${r2(x(p.epoch))},${r2(y(Number(p[key])))}`).join(" ") }));
  }
  for (const p of points) {
    root.append(svg("circle", { class: "point", cx: r2(x(p.epoch)), cy: r2(y(Number(p[key]))), r: 4,
      "data-epoch": p.epoch, [`data-${key}`]: p[key] },
    svg("title", {}, `epoch ${p.epoch}: ${title} ${Number(p[key]).toFixed(4)}`)));
  }
  return root;
}

function renderCurve(run) {
  const m = run.metrics || {};
  const curve = m.curve || [];
  const charts = [lineChart(curve, "loss", "Training loss", m.epochs)];
  if (curve.some((p) => p.accuracy !== null && p.accuracy !== undefined)) {
    charts.push(lineChart(curve, "accuracy", "Training accuracy", m.epochs));
  }
  $("run-curves").replaceChildren(...(curve.length ? charts : []));
  $("curve-empty").hidden = curve.length > 0;
}

function renderMetrics(run) {
  const m = run.metrics || {};
  const done = m.top1 !== undefined && m.top1 !== null;
  $("metrics-empty").hidden = done;
  const rows = [];
  if (done) {
    const t = m.trivial || {};
    rows.push(
      el("tr", { class: "this-run" }, el("th", { scope: "row", text: `This run (${run.model})` }),
        el("td", { class: "num top1", text: pct(m.top1) }), el("td", { class: "num top5", text: pct(m.top5) }),
        el("td", { class: "num mca", text: pct(m.mean_class_accuracy) })),
      el("tr", {}, el("th", { scope: "row", text: "Majority class / class prior" }),
        el("td", { class: "num", text: pct(t.majority_top1) }), el("td", { class: "num", text: pct(t.prior_top5) }),
        el("td", { class: "num", text: "—" })),
    );
  }
  if (run.paper) {
    rows.push(el("tr", {}, el("th", { scope: "row", text: "iMiGUE paper (full split)" }),
      el("td", { class: "num", text: run.paper.top1.toFixed(2) }),
      el("td", { class: "num", text: run.paper.top5 === null ? "—" : run.paper.top5.toFixed(2) }),
      el("td", { class: "num", text: "—" })));
  }
  $("metrics-table").tBodies[0].replaceChildren(...rows);

  const arts = run.artefacts || {};
  $("confusion-card").hidden = !arts.confusion;
  if (arts.confusion && $("confusion-img").getAttribute("src") !== arts.confusion) {
    $("confusion-img").src = arts.confusion;
  }
  const perClass = m.per_class || [];
  $("per-class-card").hidden = perClass.length === 0;
  $("per-class-table").tBodies[0].replaceChildren(...perClass.map((c) => el("tr", {},
    el("td", { class: "num", text: c.label }),
    el("td", { text: [c.code, c.name].filter(Boolean).join(" ") || "—" }),
    el("td", { class: "num", text: c.support }), el("td", { class: "num", text: c.correct }),
    el("td", { class: "num", text: pct(c.recall) }), el("td", { class: "num", text: c.predicted }))));
  const names = Object.keys(arts);
  $("artefacts-card").hidden = names.length === 0;
  $("artefacts-list").replaceChildren(...names.map((name) =>
    el("li", {}, el("a", { href: arts[name], download: "", text: name }))));
}

function render(run) {
  const status = badge(run.status);
  status.id = "run-status";
  $("run-status").replaceWith(status);
  const progress = run.status === "done" ? 1 : Number(run.progress) || 0;
  $("run-progress").value = Math.round(progress * 1000) / 10;
  $("run-progress-label").textContent = formatPercent(progress);
  $("run-message").textContent = run.message || "";
  showError($("run-error"), run.error || "");
  if (run.job) {
    $("run-job").href = jobUrl(run.job);
    $("run-job").textContent = `job ${run.job} (${run.job_state})`;
    $("run-job").hidden = false;
  }
  const m = run.metrics || {};
  const overrides = Object.entries(run.overrides || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const facts = [
    ["Release", run.release_name], ["Model", run.model],
    ["Epochs", `${(m.curve || []).length} of ${m.epochs ?? "?"}`],
    ["Overrides", overrides.join(", ") || "none"],
    ["Train / test samples", m.num_train === undefined ? "—" : `${m.num_train} / ${m.num_test}`],
    ["Device", m.device || "—"],
  ];
  $("run-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
  renderCurve(run);
  renderMetrics(run);
}

const poller = new Poller(async () => {
  try {
    const run = await get(`baseline-runs/${runId}/`);
    showError($("page-error"), "");
    render(run);
    return ACTIVE.has(run.status);
  } catch (err) {
    showError($("page-error"), `Could not load the run: ${err.message}`);
    return err.transient;
  }
}, 2000);

poller.now();
