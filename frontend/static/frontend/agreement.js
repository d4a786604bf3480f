// The admin's agreement dashboard ("Dashboard"): the latest run's figures drawn as inline
// SVG (charts.js), the per-video table (sortable, worst first, linking to each video's review),
// the project's progress, "Recompute" with a θ (POST → job polled until it ends → figures
// reloaded), the run history, and CSV/JSON downloads made by the server for every table.

import { categoryBars, formatR, heatmap, histogram, rCurve } from "./components/charts.js";
import { apiUrl, get, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatDate, formatNumber, formatPercent } from "./lib/format.js";
import { followJob } from "./lib/jobs.js";
import { showError, statusLine } from "./lib/notice.js";
import { ACTIVE_JOB_STATES } from "./lib/states.js";
import { jobUrl, urlWithId } from "./lib/urls.js";
import { progressBar } from "./lib/widgets.js";

const root = $("agreement-app");
const projectId = Number(root.dataset.projectId);
const reviewUrl = (videoId) => urlWithId(root.dataset.reviewUrl, videoId);
const pageError = $("page-error");

const KINDS = [
  ["label_conflict", "Label conflict"],
  ["low_overlap", "Low overlap"],
  ["only_in_i", "Only in i"],
  ["only_in_j", "Only in j"],
];
// How a run was started, said after "started ".
const TRIGGERS = { submission: "by a submission", manual: "on demand", theta: "by a new θ", command: "from the command line" };
const STEPS = [
  ["assigned", "Assigned"],
  ["labelled", "Labelled (both submitted)"],
  ["agreed", "Agreed (review closed)"],
  ["processed", "Processed (clips processed)"],
  ["released", "Released"],
];

const state = { project: null, run: null, review: new Map(), sort: { key: "r", dir: 1 } };

const sum = (values) => values.reduce((a, b) => a + (Number(b) || 0), 0);

/* --- downloads ------------------------------------------------------------------------------- */

function exportUrl(table, fmt) {
  return apiUrl(`projects/${projectId}/agreement/export/`, { table, fmt });
}

function renderDownloads() {
  for (const box of document.querySelectorAll(".downloads[data-table]")) {
    const table = box.dataset.table;
    const name = box.closest("section").querySelector("h2").textContent;
    box.replaceChildren(
      "Download ",
      ...["csv", "json"].flatMap((fmt, k) => [
        k ? " · " : "",
        el("a", {
          href: exportUrl(table, fmt),
          download: "",
          class: `download-${fmt}`,
          "aria-label": `${name} as ${fmt.toUpperCase()}`,
          text: fmt.toUpperCase(),
        }),
      ]),
    );
  }
}

/* --- header, overview, progress -------------------------------------------------------------- */

function renderHeader(run) {
  const header = $("run-header");
  if (!run) {
    header.textContent = "No run yet.";
    return;
  }
  header.replaceChildren(
    "Run #", String(run.id), " · θ = ",
    el("strong", { id: "run-theta", text: String(run.theta) }),
    " · rule ", el("code", { text: run.rule_version }),
    " · ", formatDate(run.created_at),
    " · started ", TRIGGERS[run.trigger] || run.trigger || "—",
  );
}

function renderOverview(run) {
  const videos = new Set((run.per_video || []).map((v) => v.video_key)).size;
  const facts = [
    ["R avg", formatR(run.r_avg), "r-avg"],
    ["Frame κ", run.frame_kappa === null || run.frame_kappa === undefined ? "—" : Number(run.frame_kappa).toFixed(3), "kappa"],
    ["Videos compared", formatNumber(videos), "videos"],
    ["Segments", formatNumber(run.segments), "segments"],
    ["Matches M", formatNumber(run.matches), "matches"],
  ];
  $("overview").replaceChildren(
    ...facts.map(([name, value, key]) =>
      el("div", { class: "kpi" }, el("dt", { text: name }), el("dd", { id: `kpi-${key}`, text: value })),
    ),
  );
  const counts = run.disagreements || {};
  $("kinds-table").tBodies[0].replaceChildren(
    ...KINDS.map(([key, name]) =>
      el("tr", { dataset: { kind: key } }, el("th", { scope: "row", text: name }),
        el("td", { class: "num", text: formatNumber(counts[key] || 0) })),
    ),
    el("tr", { class: "total" }, el("th", { scope: "row", text: "All" }),
      el("td", { class: "num", text: formatNumber(sum(KINDS.map(([k]) => counts[k]))) })),
  );
}

function renderProgress(project) {
  const p = project.progress || {};
  const total = Number(p.videos) || 0;
  $("progress-table").tBodies[0].replaceChildren(
    el("tr", { dataset: { step: "videos" } }, el("th", { scope: "row", text: "Videos" }),
      el("td", { class: "num", text: formatNumber(total) }), el("td")),
    ...STEPS.map(([key, name]) => {
      const n = Number(p[key]) || 0;
      return el("tr", { dataset: { step: key } },
        el("th", { scope: "row", text: name }),
        el("td", { class: "num", text: formatNumber(n) }),
        el("td", {}, progressBar(total ? n / total : 0, `${name}: ${formatPercent(total ? n / total : 0)} of the videos`)));
    }),
  );
}

/* --- per-video table ------------------------------------------------------------------------- */

function videoRows(run) {
  return (run.per_video || []).map((v) => {
    const review = state.review.get(v.video_key);
    return {
      ...v,
      pair: `${v.labeler_i}–${v.labeler_j}`,
      n: (v.n_i || 0) + (v.n_j || 0),
      disagreements: sum(Object.values(v.disagreements || {})),
      review,
      reviewText: !review ? "—" : review.closed ? "closed" : review.items ? `${review.open} of ${review.items} open` : "nothing to decide",
      reviewRank: !review ? 3 : review.closed ? 2 : review.open ? 0 : 1,
    };
  });
}

function compare(a, b) {
  const { key, dir } = state.sort;
  const value = (row) => (key === "review" ? row.reviewRank : row[key]);
  const x = value(a);
  const y = value(b);
  // Undefined R (both labelers empty) sorts last either way.
  if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
  if (y === null || y === undefined) return -1;
  const order = typeof x === "string" ? x.localeCompare(y, "en", { numeric: true }) : x - y;
  return order * dir || String(a.video).localeCompare(String(b.video), "en", { numeric: true });
}

function renderVideos() {
  const rows = videoRows(state.run).sort(compare);
  for (const th of $("videos-table").tHead.rows[0].cells) {
    const active = th.dataset.key === state.sort.key;
    th.setAttribute("aria-sort", active ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
  $("videos-table").tBodies[0].replaceChildren(
    ...rows.map((v) =>
      el("tr", { dataset: { videoKey: v.video_key, r: v.r ?? "" } },
        el("th", { scope: "row" }, el("a", { href: reviewUrl(v.video_key), text: v.video,
          "aria-label": `Review video ${v.video}` })),
        el("td", { text: v.pair }),
        el("td", { class: "num", title: `${v.n_i} + ${v.n_j}`, text: `${v.n_i} + ${v.n_j}` }),
        el("td", { class: "num", text: formatNumber(v.m) }),
        el("td", { class: "num r-cell", text: formatR(v.r) }),
        el("td", { class: "num", text: formatNumber(v.disagreements) }),
        el("td", { text: v.reviewText })),
    ),
  );
}

for (const th of $("videos-table").tHead.rows[0].cells) {
  th.querySelector("button").addEventListener("click", () => {
    const key = th.dataset.key;
    state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
    if (state.run) renderVideos();
  });
}

/* --- figures --------------------------------------------------------------------------------- */

function renderFigures(run) {
  const labelers = (run.per_pair || []).flatMap((p) => [p.labeler_i, p.labeler_j]);
  for (const code of (state.project && state.project.labelers) || []) labelers.push(code);
  $("pair-matrix").replaceChildren(heatmap(run.per_pair || [], labelers));

  const marks = [{ theta: run.theta, label: "this run" }];
  if (state.project && Number(state.project.theta) !== Number(run.theta)) {
    marks.push({ theta: state.project.theta, label: "project" });
  }
  $("r-curve").replaceChildren(rCurve(run.r_curve || [], marks));

  const deltas = run.boundary_deltas || {};
  const line = (name, s) =>
    s && s.count
      ? `${name}: ${s.count} pairs, mean ${s.mean}, median ${s.median}, mean |Δ| ${s.mean_abs} frames`
      : `${name}: no matched pairs`;
  $("deltas-summary").textContent = `${line("Onset", deltas.onset)} · ${line("Offset", deltas.offset)}`;
  $("deltas").replaceChildren(
    el("figure", { class: "chart-figure", id: "onset-histogram" }, histogram(deltas.onsets || [], "Onset"),
      el("figcaption", { class: "muted small", text: "Onsets (start frames), j − i" })),
    el("figure", { class: "chart-figure", id: "offset-histogram" }, histogram(deltas.offsets || [], "Offset"),
      el("figcaption", { class: "muted small", text: "Offsets (end frames), j − i" })),
  );
  $("category-bars").replaceChildren(categoryBars(run.per_category || []));
  renderOrigins(run.by_origin);
  renderVideos();
}

/** R apart for segments that began as machine proposals and those marked by hand (§17). */
function renderOrigins(split) {
  $("origin-card").hidden = !split;
  if (!split) return;
  const row = (key, name) => {
    const part = split[key] || {};
    return el("tr", { dataset: { origin: key } }, el("th", { scope: "row", text: name }),
      el("td", { class: "num", text: formatNumber(part.segments || 0) }),
      el("td", { class: "num", text: formatNumber(part.matches || 0) }),
      el("td", { class: "num", text: formatR(part.r_avg) }));
  };
  $("origin-table").tBodies[0].replaceChildren(
    row("proposal", "Began as a machine proposal"), row("manual", "Marked by hand"));
  const m = split.matches_by_origin || {};
  const share = split.proposal_share === null || split.proposal_share === undefined
    ? "—" : formatPercent(split.proposal_share);
  $("origin-note").textContent = `${share} of the compared segments began as proposals. The run's `
    + `matches: ${m.both_proposal || 0} between two accepted proposals, ${m.mixed || 0} between an `
    + `accepted proposal and a segment marked by hand, ${m.both_manual || 0} between two marked by hand.`;
}

function renderHistory(runs) {
  const current = state.run && state.run.id;
  $("history-table").tBodies[0].replaceChildren(
    ...runs.map((r) =>
      el("tr", { dataset: { runId: r.id }, class: r.id === current ? "current" : null,
        "aria-current": r.id === current ? "true" : null },
        el("th", { scope: "row", text: `#${r.id}${r.id === current ? " (shown)" : ""}` }),
        el("td", { text: formatDate(r.created_at) }),
        el("td", { class: "num", text: String(r.theta) }),
        el("td", { class: "num", text: formatR(r.r_avg) }),
        el("td", { text: TRIGGERS[r.trigger] || r.trigger }),
        el("td", {}, el("code", { text: r.rule_version }))),
    ),
  );
}

/* --- loading --------------------------------------------------------------------------------- */

async function load() {
  const [project, run, history, review] = await Promise.all([
    get(`projects/${projectId}/`),
    get(`projects/${projectId}/agreement/`).catch((err) => {
      if (err.status === 404) return null;
      throw err;
    }),
    get(`projects/${projectId}/agreement/history/`),
    get(`projects/${projectId}/review/`),
  ]);
  state.project = project;
  state.run = run;
  state.review = new Map((review || []).map((v) => [v.video_id, v]));
  const input = $("theta-input");
  if (!input.value) input.value = String(run ? run.theta : project.theta);
  renderProgress(project);
  renderHeader(run);
  $("no-run").hidden = Boolean(run);
  $("figures").hidden = !run;
  if (run) {
    renderOverview(run);
    renderFigures(run);
  } else {
    $("overview").replaceChildren();
    $("kinds-table").tBodies[0].replaceChildren();
  }
  renderHistory(history || []);
  root.dataset.runId = run ? String(run.id) : "";
}

async function reload() {
  try {
    await load();
    showError(pageError, "");
  } catch (err) {
    showError(pageError, `Could not load the agreement: ${err.message}`);
  }
}

/* --- recompute ------------------------------------------------------------------------------- */

const form = $("recompute-form");
const say = statusLine($("recompute-status"));

function watch(jobId) {
  const bar = $("recompute-bar");
  $("recompute-progress").hidden = false;
  const { done } = followJob(jobId, {
    onUpdate: (job) => {
      bar.value = Math.round((Number(job.progress) || 0) * 1000) / 10;
      $("recompute-percent").textContent = formatPercent(job.progress);
      if (ACTIVE_JOB_STATES.has(job.state)) {
        say(`Computing (${job.state})… `, "", el("a", { href: jobUrl(jobId), text: `job #${jobId}` }));
      }
    },
    onError: (err) => {
      say(`Could not follow job #${jobId}: ${err.message}`, "error");
      return err.transient;
    },
  });
  done.then(async (job) => {
    $("recompute-button").disabled = false;
    $("recompute-progress").hidden = true;
    if (job.state === "succeeded") {
      await reload();
      say(`Recomputed with θ = ${state.run ? state.run.theta : "?"}.`, "ok");
    } else {
      say(`The agreement job ${job.state}: ${job.error || "see "}`, "error",
        el("a", { href: jobUrl(jobId), text: `job #${jobId}` }));
    }
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const theta = Number($("theta-input").value);
  if (!(theta > 0 && theta < 1)) {
    say("θ must be between 0 and 1.", "error");
    return;
  }
  $("recompute-button").disabled = true;
  say("Starting…");
  try {
    const { job } = await post(`projects/${projectId}/agreement/`, { theta });
    watch(job);
  } catch (err) {
    $("recompute-button").disabled = false;
    say(`Recompute refused: ${err.message}`, "error");
  }
});

renderDownloads();
reload();
