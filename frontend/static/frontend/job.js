// One job: state, progress, message, error and log, polled until the job ends.

import { post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatDate, formatPercent } from "./lib/format.js";
import { followJob } from "./lib/jobs.js";
import { showError } from "./lib/notice.js";
import { badge } from "./lib/widgets.js";

const jobId = Number($("job-app").dataset.jobId);
const pageError = $("page-error");

function render(job) {
  const state = badge(job.state);
  state.id = "job-state";
  $("job-state").replaceWith(state);
  const bar = $("job-progress");
  bar.value = Math.round((Number(job.progress) || 0) * 1000) / 10;
  $("job-progress-label").textContent = formatPercent(job.progress);
  $("job-message").textContent = job.message || "";
  showError($("job-error"), job.error || "");
  $("job-retry").hidden = job.state !== "failed";

  const facts = [
    ["Kind", job.kind],
    ["Attempts", `${job.attempts ?? 0} of ${job.max_attempts ?? "?"}`],
    ["Created", formatDate(job.created_at)],
    ["Started", formatDate(job.started_at)],
    ["Finished", formatDate(job.finished_at)],
  ];
  $("job-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));

  const hasResult = job.result && Object.keys(job.result).length > 0;
  $("job-result-card").hidden = !hasResult;
  $("job-result").textContent = hasResult ? JSON.stringify(job.result, null, 2) : "";

  const log = $("job-log");
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  if (log.textContent !== (job.log || "")) {
    log.textContent = job.log || "";
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}

const { poller } = followJob(jobId, {
  onUpdate: (job) => {
    showError(pageError, "");
    render(job);
  },
  onError: (err) => {
    showError(pageError, `Could not load the job: ${err.message}`);
    return err.status !== 404 && err.status !== 403;
  },
  ms: 1500,
});

$("job-retry").addEventListener("click", async (e) => {
  const button = e.currentTarget;
  button.disabled = true;
  try {
    await post(`jobs/${jobId}/retry/`);
    button.hidden = true;
  } catch (err) {
    showError(pageError, `Retry refused: ${err.message}`);
  }
  button.disabled = false;
  poller.now();
});
