// The admin's "Processing" panel: agreed clips go through cut → blur faces → verify → poses.
// Shows the overall progress, each clip's stage with its frames done, and each distinct error
// once with the clips it affects, polled every 2 s while a clip is processing; starts the
// project's agreed (and failed) clips, retries one failed clip (it resumes at the stage that
// failed), plays a processed one, and switches poses on or off for the project.

import { apiUrl, get, getAll, post, request } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber, formatPercent, plural } from "./lib/format.js";
import { statusLine } from "./lib/notice.js";
import { Drawn, Poller } from "./lib/poll.js";
import { jobUrl } from "./lib/urls.js";
import { badge } from "./lib/widgets.js";

const root = $("project-app");
const panel = $("processing-panel");
const projectId = Number(root && root.dataset.projectId);
const STATES = ["agreed", "processing", "processed", "failed"];
const ORIGINS = { matched: "matched", adjudicated: "kept by a reviewer", imported: "imported" };
const BACKENDS = { mediapipe: "MediaPipe Holistic", openpifpaf: "OpenPifPaf" };

const button = $("process-button");
const statusBox = $("processing-status");
const player = $("clip-player");
const video = $("clip-video");
const caption = $("clip-player-caption");
const posesBox = $("extract-poses");
const drawn = new Drawn();
let errorOf = new Map(); // clip id -> its error group's number (1-based), from the summary
let busy = false; // a POST from this panel is on its way
// Bumped by each click on the poses switch: a summary requested before it must not undo the click.
let posesEdits = 0;

/** A message under the button: `ok` (green), `error` (an alert) or plain. */
const say = statusLine(statusBox);

/** `posesFresh`: the summary was requested after the last click on the poses switch. */
function renderSummary(summary, posesFresh) {
  const counts = summary.by_status || {};
  const n = (state) => Number(counts[state]) || 0;
  const total = Number(summary.clips) || 0;
  const progress = Math.max(0, Math.min(1, Number(summary.progress) || 0));
  $("processing-bar").value = Math.round(progress * 1000) / 10;
  $("processing-percent").textContent = formatPercent(progress);
  const others = STATES.filter((s) => s !== "processed").map((s) => `${formatNumber(n(s))} ${s}`);
  $("processing-counts").textContent =
    `${formatNumber(n("processed"))} of ${plural(total, "clip")} processed (${formatPercent(progress)})` +
    ` · ${others.join(" · ")}`;
  button.disabled = busy || n("agreed") + n("failed") === 0;
  if (posesFresh) {
    posesBox.checked = Boolean(summary.extract_poses);
    $("pose-backend").textContent = summary.extract_poses
      ? `with ${BACKENDS[summary.pose_backend] || summary.pose_backend}`
      : "off: clips are processed once their blur is verified";
  }
  renderErrors(summary.errors || []);
}

/** Each distinct error once, numbered, with the clips it affects; rows refer to the number. */
function renderErrors(groups) {
  errorOf = new Map();
  const items = groups.map((group, i) => {
    for (const id of group.clips) errorOf.set(id, i + 1);
    return el(
      "li",
      { id: `processing-error-${i + 1}`, class: "error-group" },
      group.stage ? el("strong", { text: `${group.stage}: ` }) : null,
      el("span", { class: "row-error error-message", text: group.message }),
      el("span", {
        class: "muted small error-clips",
        text: ` — ${plural(group.clips.length, "clip")}: ${group.clips.join(", ")}`,
      }),
    );
  });
  $("processing-errors-list").replaceChildren(...items);
  $("processing-errors").hidden = items.length === 0;
}

/** Where a processing or failed clip is: "blur · 40 / 120 frames", "failed at poses · error 1". */
function stageLine(clip) {
  const s = clip.stage;
  if (!s || !["processing", "failed"].includes(clip.status)) return null;
  if (clip.status === "failed") {
    const n = errorOf.get(clip.id);
    return el(
      "p",
      { class: "clip-stage row-error" },
      `failed at ${s.stage}`,
      n ? " · " : null,
      n ? el("a", { href: `#processing-error-${n}`, text: `error ${n}` }) : null,
    );
  }
  const waiting = s.state === "queued" ? " (queued)" : s.state === "retrying" ? " (retrying)" : "";
  return el("p", {
    class: "clip-stage muted small",
    text: `${s.stage}${waiting} · ${formatNumber(s.frames_done)} / ${plural(s.frames_total, "frame")}`,
  });
}

/** "verified" / "failed: N re-detections" / "—", with the privacy record's details as a tooltip. */
function privacyCell(clip) {
  const p = clip.privacy || {};
  if (typeof p.passed !== "boolean") return el("td", { class: "privacy", text: "—" });
  const n = Number(p.redetections) || 0;
  const text = p.passed ? "verified" : `failed: ${plural(n, "re-detection")}`;
  const details = [
    p.frames_processed != null ? `${formatNumber(p.frames_processed)} frames checked` : "",
    p.blur_detector ? `blurred with ${p.blur_detector}` : "",
    p.verifier ? `verified with ${p.verifier}` : "",
    p.audio_streams != null ? `${formatNumber(p.audio_streams)} audio streams left` : "",
  ].filter(Boolean);
  return el("td", {
    class: p.passed ? "privacy ok" : "privacy row-error",
    title: details.join(" · ") || null,
    text,
  });
}

async function retry(clip, control) {
  control.disabled = true;
  try {
    const { job } = await post(`clips/${clip.id}/process/`);
    say(`Clip ${clip.id} sent to processing again — `, "ok", el("a", { href: jobUrl(job), text: `job #${job}` }));
  } catch (err) {
    control.disabled = false;
    say(`Clip ${clip.id} could not be retried: ${err.message}`, "error");
  }
  poller.now();
}

function play(clip) {
  const src = apiUrl(`clips/${clip.id}/video/`);
  if (video.dataset.clipId !== String(clip.id)) {
    video.dataset.clipId = String(clip.id);
    video.src = src;
  }
  caption.textContent =
    `Clip ${clip.id} — video ${clip.video_external_id}, frames ${clip.start_frame}–${clip.end_frame}` +
    ", faces blurred, no audio.";
  player.hidden = false;
  player.scrollIntoView({ block: "nearest" });
  video.focus();
  const started = video.play();
  if (started && started.catch) started.catch(() => {}); // e.g. autoplay refused: the controls remain
}

video.addEventListener("error", () => {
  if (!video.dataset.clipId) return;
  caption.textContent = `Clip ${video.dataset.clipId} could not be loaded.`;
});

function actionsCell(clip) {
  const cell = el("td", { class: "nowrap" });
  if (clip.status === "failed") {
    const control = el("button", {
      type: "button",
      class: "small",
      text: "Retry",
      "aria-label": `Retry clip ${clip.id}`,
    });
    control.addEventListener("click", () => retry(clip, control));
    cell.append(control);
  } else if (clip.status === "processed") {
    cell.append(
      el("button", {
        type: "button",
        class: "small",
        text: "Play",
        "aria-label": `Play clip ${clip.id}`,
        "aria-controls": "clip-player",
        onclick: () => play(clip),
      }),
    );
  }
  return cell;
}

function clipRow(clip) {
  const status = el("td", { class: "status-cell" }, badge(clip.status), stageLine(clip));
  return el(
    "tr",
    { dataset: { clipId: clip.id, status: clip.status } },
    el("th", { scope: "row", text: String(clip.id) }),
    el("td", { text: clip.video_external_id || String(clip.video) }),
    el("td", {
      class: "num nowrap",
      title: clip.num_frames != null ? plural(clip.num_frames, "frame") : null,
      text: `${clip.start_frame}–${clip.end_frame}`,
    }),
    el("td", { class: "num", text: clip.category_code == null ? "—" : String(clip.category_code) }),
    el("td", { text: ORIGINS[clip.origin] || clip.origin || "—" }),
    status,
    privacyCell(clip),
    el("td", { text: clip.pose_layout || "—" }),
    actionsCell(clip),
  );
}

function renderClips(clips, summary) {
  // The rows refer to the error groups, so they are redrawn when either changes.
  if (!drawn.changed("clips", [clips, summary.errors])) return;
  $("clips-table").tBodies[0].replaceChildren(...clips.map(clipRow));
  $("clips-empty").hidden = clips.length > 0;
}

async function refresh() {
  const edits = posesEdits;
  const [summary, clips] = await Promise.all([
    get(`projects/${projectId}/processing/`),
    getAll("clips/", { project: projectId, page_size: 1000 }),
  ]);
  const posesFresh = edits === posesEdits && !posesBox.disabled;
  if (drawn.changed("summary", summary)) renderSummary(summary, posesFresh);
  renderClips(clips, summary);
  if (statusBox.dataset.pollError) {
    delete statusBox.dataset.pollError;
    statusBox.replaceChildren();
  }
  const counts = summary.by_status || {};
  return (Number(counts.processing) || 0) > 0 || clips.some((c) => c.status === "processing");
}

const poller = new Poller(async () => {
  try {
    return await refresh();
  } catch (err) {
    say(`Could not refresh the processing state: ${err.message}`, "error");
    statusBox.dataset.pollError = "1";
    return true; // keep trying
  }
}, 2000);

button.addEventListener("click", async () => {
  busy = true;
  button.disabled = true;
  say("Starting…");
  try {
    const result = await post(`projects/${projectId}/process/`);
    const n = Number(result && result.clips) || 0;
    say(n ? `${plural(n, "clip")} sent to processing.` : "No agreed or failed clip to process.", n ? "ok" : "");
  } catch (err) {
    say(`Processing could not start: ${err.message}`, "error");
  } finally {
    busy = false;
    drawn.forget("summary"); // re-render, so the button's state follows the new counts
    poller.now();
  }
});

posesBox.addEventListener("change", async () => {
  const wanted = posesBox.checked;
  posesEdits += 1;
  posesBox.disabled = true;
  try {
    await request(`projects/${projectId}/`, { method: "PATCH", json: { extract_poses: wanted } });
    say(wanted ? "Poses will be extracted." : "Poses are off: clips end once their blur is verified.", "ok");
  } catch (err) {
    posesBox.checked = !wanted;
    say(`The pose setting could not be saved: ${err.message}`, "error");
  } finally {
    posesBox.disabled = false;
    drawn.forget("summary");
    poller.now();
  }
});

if (panel && projectId) poller.now();
