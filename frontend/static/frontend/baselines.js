// Baselines of a project: start a run on a release, and the runs table (polled while a run is
// pending or running) beside the trivial references and the paper's numbers.

import { get, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatDate } from "./lib/format.js";
import { notice, showError } from "./lib/notice.js";
import { Poller } from "./lib/poll.js";
import { urlWithId } from "./lib/urls.js";
import { badge, progressBar } from "./lib/widgets.js";

const app = $("baselines-app");
const projectId = Number(app.dataset.projectId);
const runUrl = (id) => urlWithId(app.dataset.runUrl, id);
const ACTIVE = new Set(["pending", "running"]);

export const pct = (v) => (v === null || v === undefined ? "—" : (100 * Number(v)).toFixed(2));
const num = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(2));

/** "epochs=5\nmodel_cfg.hidden_size=64" → {epochs: 5, "model_cfg.hidden_size": 64} */
export function parseOverrides(text) {
  const out = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at < 1) throw new Error(`"${line}": expected key=value`);
    const value = line.slice(at + 1).trim();
    try {
      out[line.slice(0, at).trim()] = JSON.parse(value);
    } catch {
      out[line.slice(0, at).trim()] = value;
    }
  }
  return out;
}

function row(run) {
  const m = run.metrics || {};
  const t = m.trivial || {};
  const status = el("td", { class: "status-cell" }, badge(run.status));
  if (ACTIVE.has(run.status) && run.progress !== null) status.append(" ", progressBar(run.progress));
  if (run.status === "failed" && run.error) status.append(el("div", { class: "muted small", text: run.error }));
  return el(
    "tr",
    { dataset: { run: run.id } },
    el("td", { class: "num" }, el("a", { href: runUrl(run.id), text: `#${run.id}` })),
    el("td", { text: run.release_name }),
    el("td", { text: run.model }),
    status,
    el("td", { class: "num top1", text: pct(m.top1) }),
    el("td", { class: "num top5", text: pct(m.top5) }),
    el("td", { class: "num mca", text: pct(m.mean_class_accuracy) }),
    el("td", { class: "num", text: `${pct(t.majority_top1)} / ${pct(t.prior_top5)}` }),
    el("td", { class: "num", text: run.paper ? `${num(run.paper.top1)} / ${num(run.paper.top5)}` : "—" }),
    el("td", { class: "nowrap", text: formatDate(run.created_at) }),
  );
}

async function loadRuns() {
  const data = await get("baseline-runs/", { project: projectId, page_size: 200 });
  const runs = Array.isArray(data) ? data : data.results || [];
  $("runs-table").tBodies[0].replaceChildren(...runs.map(row));
  $("runs-empty").hidden = runs.length > 0;
  return runs.some((r) => ACTIVE.has(r.status));
}

const poller = new Poller(async () => {
  try {
    const active = await loadRuns();
    showError($("page-error"), "");
    return active;
  } catch (err) {
    showError($("page-error"), `Could not load the runs: ${err.message}`);
    return err.transient;
  }
}, 3000);

const form = $("run-form");
if (form) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("run-start");
    button.disabled = true;
    showError($("page-error"), "");
    try {
      const overrides = parseOverrides($("run-overrides").value);
      const out = await post("baseline-runs/", {
        release: Number($("run-release").value), model: $("run-model").value, overrides,
      });
      notice([`Run #${out.run.id} queued (job ${out.job}). `, el("a", { href: runUrl(out.run.id), text: "Open the run" })]);
    } catch (err) {
      showError($("page-error"), `The run was not started: ${err.message}`);
    }
    button.disabled = false;
    poller.now();
  });
}

poller.now();
