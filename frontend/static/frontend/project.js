// The admin's project page: videos table (polled while anything is ingesting), chunked upload
// widget, bulk import, assignment and the recent jobs panel.

import { get, getAll, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatBytes, formatDate, formatNumber } from "./lib/format.js";
import { followJob } from "./lib/jobs.js";
import { showError } from "./lib/notice.js";
import { Drawn, Poller } from "./lib/poll.js";
import { ACTIVE_JOB_STATES, BUSY_VIDEO_STATES } from "./lib/states.js";
import { jobUrl } from "./lib/urls.js";
import { badge, progressBar } from "./lib/widgets.js";
import { deleteVideo, metadataFields, UploadQueue, wireDropzone } from "./components/uploads.js";
import { labelersCell } from "./reassign.js";

const root = $("project-app");
const projectId = Number(root.dataset.projectId);
const pageError = $("page-error");
const PARALLEL_UPLOADS = 2;

// --- summary, videos and jobs: one poller, every 2 s while something is still moving --------

const drawn = new Drawn();

function renderSummary(project) {
  const p = project.progress || {};
  const parts = [
    `${formatNumber(p.videos)} videos`,
    `${formatNumber(p.ready)} ready`,
    `${formatNumber((p.pending || 0) + (p.ingesting || 0))} waiting or ingesting`,
    `${formatNumber(p.rejected)} rejected`,
    `${formatNumber(p.assigned)} assigned`,
    `${formatNumber(p.submitted)} submitted`,
  ];
  const labelers = (project.labelers || []).join(", ") || "none";
  $("project-summary").textContent =
    `${parts.join(" · ")} — labelers: ${labelers} — taxonomy ${project.taxonomy_name}, θ = ${project.theta}`;
}

function videoRow(v) {
  const job = v.ingest_job;
  const status = el("td", { class: "status-cell" }, badge(v.status));
  if (job && ACTIVE_JOB_STATES.has(job.state)) {
    status.append(
      el(
        "div",
        { class: "ingest-progress" },
        progressBar(job.progress, `Ingest of ${v.external_id}`),
        job.message ? el("span", { class: "muted small", text: job.message }) : null,
      ),
    );
  }
  if (v.status === "rejected" || v.error) {
    const code = v.error_code ? `${v.error_code}: ` : "";
    status.append(el("p", { class: "row-error", text: `${code}${v.error || "rejected"}` }));
  }
  if (v.status === "rejected") status.append(deleteButton(v));
  const fps = v.fps === null || v.fps === undefined ? "—" : formatNumber(v.fps, 3);
  const size = [v.width && v.height ? `${v.width}×${v.height}` : "", v.size_bytes ? formatBytes(v.size_bytes) : ""]
    .filter(Boolean)
    .join(" · ") || "—";
  const audio = v.has_audio === true ? "yes" : v.has_audio === false ? "no" : "—";
  const result = v.match_result ? badge(v.match_result) : "—";
  return el(
    "tr",
    { dataset: { videoId: v.id, externalId: v.external_id, status: v.status } },
    el("th", { scope: "row", text: v.external_id }),
    status,
    el("td", { class: "num", title: v.fps_fraction || null, text: fps }),
    el("td", { class: "num", text: formatNumber(v.num_frames) }),
    el("td", { class: "nowrap", text: size, title: v.duration ? `${formatNumber(v.duration, 2)} s` : null }),
    el("td", { text: audio }),
    el("td", { text: v.subject || "—" }),
    el("td", {}, result),
    labelersCell(v, { projectId, onReassigned: () => poller.now() }),
  );
}

/** A rejected video is deleted from its row (its file is gone or unusable: no retry helps). */
function deleteButton(v) {
  const button = el("button", { type: "button", class: "small danger", text: "Delete", "aria-label": `Delete video ${v.external_id}` });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await deleteVideo(v.id);
      showError(pageError, "");
    } catch (err) {
      button.disabled = false;
      showError(pageError, `Video ${v.external_id} was not deleted: ${err.message}`);
    }
    poller.now();
  });
  return button;
}

function renderVideos(videos) {
  if (!drawn.changed("videos", videos)) return;
  $("videos-table").tBodies[0].replaceChildren(...videos.map(videoRow));
  $("videos-empty").hidden = videos.length > 0;
}

const videosById = new Map();

/** A failed job worth retrying: not an ingest whose source was rejected and deleted. */
function retryable(job) {
  const video = job.kind === "ingest" && job.params ? videosById.get(job.params.video) : null;
  return !video || video.has_source;
}

function jobItem(job) {
  const active = ACTIVE_JOB_STATES.has(job.state);
  const item = el(
    "li",
    { class: "job-item", dataset: { jobId: job.id, state: job.state } },
    el(
      "div",
      { class: "job-head" },
      el("a", { href: jobUrl(job.id), text: `#${job.id} ${job.kind}` }),
      badge(job.state),
      active || job.state === "succeeded" ? progressBar(job.progress, `Job ${job.id}`) : null,
      el("span", { class: "muted small", text: formatDate(job.created_at) }),
    ),
    job.message && active ? el("p", { class: "muted small", text: job.message }) : null,
    job.error ? el("p", { class: "row-error", text: job.error }) : null,
  );
  if (job.state === "failed" && !retryable(job)) {
    item.querySelector(".job-head").append(el("span", { class: "muted small", text: "the file was rejected: delete the video or upload another" }));
  } else if (job.state === "failed") {
    const button = el("button", { type: "button", class: "small", text: "Retry" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await post(`jobs/${job.id}/retry/`);
        showError(pageError, "");
      } catch (err) {
        showError(pageError, `Job ${job.id} could not be retried: ${err.message}`);
      }
      poller.now();
    });
    item.querySelector(".job-head").append(button);
  }
  return item;
}

function renderJobs(jobs) {
  if (!drawn.changed("jobs", [jobs, jobs.map(retryable)])) return;
  $("jobs-list").replaceChildren(...jobs.map(jobItem));
  $("jobs-empty").hidden = jobs.length > 0;
}

async function refresh() {
  const [project, videos, jobs] = await Promise.all([
    get(`projects/${projectId}/`),
    getAll("videos/", { project: projectId, page_size: 200 }),
    get("jobs/", { project: projectId, page_size: 15 }).then((page) => page.results || page),
  ]);
  if (drawn.changed("project", project)) renderSummary(project);
  root.classList.add("ready"); // the page shows its data (bench/page_loads.py waits for it)
  videosById.clear();
  for (const v of videos) videosById.set(v.id, v);
  renderVideos(videos);
  renderJobs(jobs);
  showError(pageError, "");
  const busyVideo = videos.some(
    (v) => BUSY_VIDEO_STATES.has(v.status) || (v.ingest_job && ACTIVE_JOB_STATES.has(v.ingest_job.state)),
  );
  return busyVideo || jobs.some((j) => ACTIVE_JOB_STATES.has(j.state)) || uploads.busy;
}

const poller = new Poller(async () => {
  try {
    return await refresh();
  } catch (err) {
    showError(pageError, `Could not refresh the page: ${err.message}`);
    return true; // keep trying
  }
}, 2000);

// --- upload widget: cards that follow each file to a ready or rejected video -------------------

const uploads = new UploadQueue({
  projectId,
  list: $("upload-list"),
  parallel: PARALLEL_UPLOADS,
  metadata: metadataFields("upload"),
  onChange: () => poller.now(),
});
wireDropzone($("dropzone"), $("upload-input"), (files) => uploads.add(files));

// --- bulk import -----------------------------------------------------------------------------

/** Show one job in `box` until it ends; resolves to the final job. */
function watchJob(jobId, box, title) {
  const { done } = followJob(jobId, {
    // el() drops the null children (DOM append/replaceChildren would print "null").
    onUpdate: (job) => box.replaceChildren(
      el(
        "div",
        { dataset: { jobId: job.id, state: job.state } },
        el("p", {}, el("a", { href: jobUrl(job.id), text: `${title} (job #${job.id})` }), " ", badge(job.state)),
        progressBar(job.progress, title),
        job.message && ACTIVE_JOB_STATES.has(job.state) ? el("p", { class: "muted small", text: job.message }) : null,
        job.error ? el("p", { class: "row-error", role: "alert", text: job.error }) : null,
      ),
    ),
    onError: (err) => {
      box.replaceChildren(el("p", { class: "row-error", text: `${title}: ${err.message}` }));
      return true; // keep trying
    },
  });
  return done;
}

function importSummary(result) {
  const created = (result && result.created) || [];
  const rejected = Object.entries((result && result.rejected) || {});
  const skipped = (result && result.skipped) || [];
  return el(
    "div",
    { class: "small" },
    el("p", { text: `${created.length} imported, ${rejected.length} rejected, ${skipped.length} skipped.` }),
    rejected.length
      ? el("ul", { class: "row-error" }, rejected.map(([id, why]) => el("li", { text: `${id}: ${why}` })))
      : null,
    skipped.length ? el("ul", { class: "muted" }, skipped.map((s) => el("li", { text: s }))) : null,
  );
}

$("import-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const box = $("import-status");
  const button = form.querySelector("button[type=submit]");
  const folder = form.elements.folder.value.trim();
  const file = form.elements.metadata_file.files[0];
  button.disabled = true;
  try {
    const metadata = file ? await file.text() : form.elements.metadata.value;
    if (!metadata.trim()) throw new Error("Give the metadata CSV (a file or pasted text).");
    box.replaceChildren(el("p", { text: "Starting the import…" }));
    const { job } = await post(`projects/${projectId}/import/`, { folder, metadata });
    poller.now();
    const final = await watchJob(job, box, "Import");
    if (final.state === "succeeded") box.append(importSummary(final.result));
  } catch (err) {
    box.replaceChildren(el("p", { class: "row-error", role: "alert", text: err.message }));
  } finally {
    button.disabled = false;
    poller.now();
  }
});

// --- assignment ------------------------------------------------------------------------------

function countTable(caption, head, counts) {
  const rows = Object.entries(counts || {}).map(([key, n]) =>
    el("tr", {}, el("th", { scope: "row", text: key }), el("td", { class: "num", text: String(n) })),
  );
  return el(
    "table",
    { class: "data compact" },
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: head }), el("th", { scope: "col", class: "num", text: "Videos" }))),
    el("tbody", {}, rows),
  );
}

$("assign-button").addEventListener("click", async (e) => {
  const button = e.currentTarget;
  const box = $("assign-result");
  button.disabled = true;
  box.replaceChildren(el("p", { text: "Assigning…" }));
  try {
    const result = await post(`projects/${projectId}/assign/`);
    box.replaceChildren(
      el("p", { class: "ok", text: `${result.created} assignment${result.created === 1 ? "" : "s"} created.` }),
      el("div", { class: "tables" }, countTable("Load per labeler", "Labeler", result.load), countTable("Videos per pair", "Pair", result.pairs)),
    );
  } catch (err) {
    box.replaceChildren(el("p", { class: "row-error", role: "alert", text: err.message }));
  } finally {
    button.disabled = false;
    poller.now();
  }
});

poller.now();
