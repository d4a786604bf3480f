// The admin's Clips page (docs/design.md §7–8): the project's clips, filtered by category,
// subject, origin, video and status, a page at a time; counts by origin and status; a selected
// clip plays in the side panel — the processed clip (faces blurred, no audio) once it exists,
// else the source's proxy between the clip's first and last frame — beside its provenance and
// its privacy report. "Process" / "Retry" sends an agreed or failed clip to processing.
//
// Frames come from the media time of the presented frame (FramePlayer, as in the labeler
// workspace), so the readout is the frame on screen. window.mgstudio.clips exposes the state.

import { showFaceReport } from "./components/face_report.js";
import { FramePlayer, parseRate } from "./components/player.js";
import { PoseOverlay } from "./components/pose_overlay.js";
import { apiUrl, get, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber, plural } from "./lib/format.js";
import { showError, statusLine } from "./lib/notice.js";
import { jobUrl } from "./lib/urls.js";
import { badge } from "./lib/widgets.js";

const root = $("clips-app");
const projectId = Number(root && root.dataset.projectId);
const PAGE_SIZE = 20;
const ORIGINS = { matched: "matched", adjudicated: "adjudicated", imported: "imported" };
const ORIGIN_TITLES = {
  matched: "matched by both labelers",
  adjudicated: "kept by a reviewer",
  imported: "imported from another dataset",
};
const STATUSES = ["agreed", "processing", "processed", "failed"];
const FILTERS = ["category", "subject", "origin", "video_external_id", "status"];

const form = $("clip-filters");
const tbody = $("clips-table").tBodies[0];
const pageError = $("page-error");
const state = {
  page: 1,
  pages: 1,
  count: 0,
  clips: [],
  selected: null, // the selected clip (API object)
  categories: new Map(), // code -> category
  player: null, // the playback state below, for the selected clip
};

// --- filters ----------------------------------------------------------------------------------

function filters() {
  const values = {};
  for (const name of FILTERS) {
    const value = String(form.elements[name].value || "").trim();
    if (value) values[name] = value;
  }
  return values;
}

/** Keep the filters and page in the address, so a filtered view can be reloaded or shared. */
function remember() {
  const params = new URLSearchParams(filters());
  if (state.page > 1) params.set("page", String(state.page));
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}`);
}

function restore() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) if (params.has(name)) form.elements[name].value = params.get(name);
  state.page = Math.max(1, Number(params.get("page")) || 1);
}

async function loadCategories() {
  const select = form.elements.category;
  const wanted = select.value || new URLSearchParams(location.search).get("category") || "";
  const categories = await get(`projects/${projectId}/categories/`);
  for (const c of categories) {
    state.categories.set(c.code, c);
    select.append(el("option", { value: String(c.code), text: `${c.code} · ${c.name} (${c.group})` }));
  }
  select.value = wanted;
}

// --- table ------------------------------------------------------------------------------------

function seconds(clip) {
  const fps = Number(clip.video_fps);
  return fps > 0 ? `${(clip.num_frames / fps).toFixed(2)} s` : "—";
}

/** "verified" / "failed: N re-detections" / "not checked". */
function privacyVerdict(clip) {
  const p = clip.privacy || {};
  if (typeof p.passed !== "boolean") return { text: "not checked", cls: "muted" };
  if (p.passed) return { text: "verified", cls: "ok" };
  const n = Number(p.redetections) || 0;
  return { text: n ? `failed: ${plural(n, "re-detection")}` : "failed", cls: "row-error" };
}

function clipRow(clip) {
  const verdict = privacyVerdict(clip);
  const selected = state.selected && state.selected.id === clip.id;
  const row = el(
    "tr",
    {
      tabindex: "0",
      "aria-selected": selected ? "true" : "false",
      class: selected ? "selected" : null,
      dataset: { clipId: clip.id, status: clip.status, origin: clip.origin },
      onclick: () => select(clip),
      onkeydown: (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(clip);
        }
      },
    },
    el("th", { scope: "row", text: String(clip.id) }),
    el("td", { text: clip.video_external_id || String(clip.video) }),
    el("td", { class: "num nowrap", text: `${clip.start_frame}–${clip.end_frame}` }),
    el("td", { class: "num", text: formatNumber(clip.num_frames) }),
    el("td", { class: "num nowrap", text: seconds(clip) }),
    el(
      "td",
      { class: "category", title: clip.category_group || null },
      el("span", { class: "code", text: clip.category_code == null ? "—" : String(clip.category_code) }),
      clip.category_name ? " " : null,
      clip.category_name ? el("span", { class: "name", text: clip.category_name }) : null,
    ),
    el("td", { title: ORIGIN_TITLES[clip.origin] || null, text: ORIGINS[clip.origin] || clip.origin || "—" }),
    el("td", {}, badge(clip.status)),
    el("td", { text: clip.subject_id || "—" }),
    el("td", { class: `privacy ${verdict.cls}`, text: verdict.text }),
  );
  return row;
}

function renderSummary(summary) {
  const byOrigin = summary.by_origin || {};
  const byStatus = summary.by_status || {};
  const origins = Object.keys(ORIGINS).map((o) => `${formatNumber(byOrigin[o] || 0)} ${ORIGINS[o]}`);
  const statuses = STATUSES.map((s) => `${formatNumber(byStatus[s] || 0)} ${s}`);
  const filtered = Object.keys(filters()).length ? " (filtered)" : "";
  $("clips-summary").textContent =
    `${plural(Number(summary.count) || 0, "clip")}${filtered}: ${origins.join(" · ")} — ${statuses.join(" · ")}`;
}

function renderTable() {
  tbody.replaceChildren(...state.clips.map(clipRow));
  $("clips-empty").hidden = state.clips.length > 0;
  $("clips-count").textContent = `(${formatNumber(state.count)})`;
  $("page-info").textContent = `Page ${state.page} of ${state.pages}`;
  $("page-prev").disabled = state.page <= 1;
  $("page-next").disabled = state.page >= state.pages;
}

async function refresh() {
  const query = { ...filters(), project: projectId };
  try {
    const [page, summary] = await Promise.all([
      get("clips/", { ...query, page: state.page, page_size: PAGE_SIZE }),
      get("clips/summary/", query),
    ]);
    state.clips = page.results || [];
    state.count = Number(page.count) || 0;
    state.pages = Math.max(1, Math.ceil(state.count / PAGE_SIZE));
    renderSummary(summary);
    renderTable();
    // A link to one clip (#clip-ID, from a refused release) opens it.
    const linked = !state.selected && state.clips.find((c) => location.hash === `#clip-${c.id}`);
    if (linked) select(linked);
    showError(pageError, "");
    if (state.selected) {
      const fresh = state.clips.find((c) => c.id === state.selected.id);
      if (fresh) showDetails(fresh);
    }
    root.classList.add("ready");
  } catch (err) {
    if (err.status === 404 && state.page > 1) {
      state.page = 1; // the filters left fewer pages
      return refresh();
    }
    showError(pageError, `Could not load the clips: ${err.message}`);
  }
  remember();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  state.page = 1;
  refresh();
});
form.addEventListener("change", (event) => {
  if (event.target.tagName === "SELECT") {
    state.page = 1;
    refresh();
  }
});
form.addEventListener("reset", () => {
  setTimeout(() => {
    state.page = 1;
    refresh();
  });
});
$("page-prev").addEventListener("click", () => {
  state.page = Math.max(1, state.page - 1);
  refresh();
});
$("page-next").addEventListener("click", () => {
  state.page = Math.min(state.pages, state.page + 1);
  refresh();
});

// --- the side panel: provenance and privacy ---------------------------------------------------

function facts(dl, rows) {
  dl.replaceChildren(
    ...rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .flatMap(([term, value]) => [el("dt", { text: term }), el("dd", { text: String(value) })]),
  );
}

function provenanceRows(clip) {
  const p = clip.provenance || {};
  const rows = [["Origin", ORIGIN_TITLES[clip.origin] || clip.origin]];
  if (Array.isArray(p.labelers) && p.labelers.length) rows.push(["Labelers", p.labelers.join(" & ")]);
  // The labelers' segments by code and frames (p.segments holds their uuids).
  const members = (clip.members || []).map((m) => `${m.labeler} [${m.start_frame}, ${m.end_frame}] C${m.category}`);
  if (members.length) rows.push(["Labelers' segments", members.join(" · ")]);
  if (p.tiou != null) rows.push(["tIoU", Number(p.tiou).toFixed(2)]);
  if (p.rule) rows.push(["Bounds rule", p.rule]);
  if (p.decision != null) rows.push(["Decision", `#${p.decision}`]);
  if (p.kind) rows.push(["Disagreement", `${String(p.kind).replace(/_/g, " ")}${p.disagreement != null ? ` (#${p.disagreement})` : ""}`]);
  if ("reason" in p) rows.push(["Reason", p.reason || "(none given)"]);
  if (p.run != null) rows.push(["Agreement run", `#${p.run}`]);
  if (p.source) rows.push(["Source", p.source]);
  return rows;
}

function privacyRows(clip) {
  const p = clip.privacy || {};
  if (typeof p.passed !== "boolean") return [];
  const settings = p.blur_settings && typeof p.blur_settings === "object"
    // Sorted: PostgreSQL's jsonb does not keep the keys' order, SQLite does.
    ? Object.entries(p.blur_settings).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(", ")
    : null;
  const frames = Array.isArray(p.redetected_frames) && p.redetected_frames.length
    ? ` (frames ${p.redetected_frames.slice(0, 10).join(", ")}${p.redetected_frames.length > 10 ? ", …" : ""})`
    : "";
  return [
    ["Frames checked", formatNumber(p.frames_processed)],
    ["Faces found after blur", `${formatNumber(p.redetections)}${frames}`],
    ["Audio streams", formatNumber(p.audio_streams)],
    ["Verifier", p.verifier ? `${p.verifier}${p.verifier_threshold != null ? ` (threshold ${p.verifier_threshold})` : ""}` : null],
    ["Blurred with", p.blur_detector ? `${p.blur_detector}${p.blur_threshold != null ? ` (threshold ${p.blur_threshold})` : ""}` : null],
    ["Blur settings", settings],
    ["Detections while blurring", p.detections_during_blur != null ? `${formatNumber(p.detections_during_blur)} in ${formatNumber(p.frames_with_detections_during_blur)} frames` : null],
    ["Frames blurred", p.frames_blurred != null ? formatNumber(p.frames_blurred) : null],
    ["Problems", Array.isArray(p.problems) && p.problems.length ? p.problems.join("; ") : null],
  ];
}

function showDetails(clip) {
  state.selected = clip;
  $("clip-panel-title").textContent =
    `Clip ${clip.id} · video ${clip.video_external_id} · ${clip.start_frame}–${clip.end_frame}`;
  facts($("clip-provenance"), provenanceRows(clip));
  const verdict = privacyVerdict(clip);
  const verdictBox = $("clip-privacy-verdict");
  verdictBox.className = `privacy-verdict ${verdict.cls}`;
  verdictBox.textContent =
    typeof (clip.privacy || {}).passed === "boolean"
      ? `Verdict: ${verdict.text}`
      : "Not checked yet: the report is made when the clip is processed.";
  facts($("clip-privacy"), privacyRows(clip));
  showFaceReport($("clip-privacy"), clip.privacy);
  const processButton = $("clip-process");
  const canProcess = clip.status === "agreed" || clip.status === "failed";
  processButton.hidden = !canProcess;
  processButton.disabled = false;
  processButton.textContent = clip.status === "failed" ? "Retry" : "Process";
  processButton.setAttribute("aria-label", `${processButton.textContent} clip ${clip.id}`);
  if (clip.error) say(clip.error, "error");
}

const say = statusLine($("clip-action-status"));

$("clip-process").addEventListener("click", async () => {
  const clip = state.selected;
  const button = $("clip-process");
  if (!clip) return;
  button.disabled = true;
  try {
    const { job } = await post(`clips/${clip.id}/process/`);
    say(`Clip ${clip.id} sent to processing — `, "ok", el("a", { href: jobUrl(job), text: `job #${job}` }));
    await refresh();
  } catch (err) {
    button.disabled = false;
    say(`Clip ${clip.id} could not be processed: ${err.message}`, "error");
  }
});

// --- the player -------------------------------------------------------------------------------

const readout = $("clip-frame");
const playButton = $("clip-play");
const loopBox = $("clip-loop");
const poseOverlay = new PoseOverlay(playButton.parentElement);

/**
 * Play `clip`: its processed file (local frame 0 = the clip's start) or the source's proxy,
 * held between the clip's bounds. A fresh <video> and FramePlayer per clip, so no listener of
 * the previous one survives.
 */
function play(clip) {
  const old = $("clip-video");
  const video = el("video", {
    id: "clip-video",
    controls: true,
    muted: true,
    playsinline: true,
    preload: "auto",
    "aria-describedby": "clip-source",
  });
  video.muted = true;
  old.replaceWith(video);
  if (old.src) {
    old.removeAttribute("src");
    old.load(); // stop its download
  }
  const processed = Boolean(clip.has_clip_file);
  const rate = parseRate(clip.video_fps_fraction, clip.video_fps || 25);
  const offset = processed ? clip.start_frame : 0;
  const numFrames = processed ? clip.num_frames : clip.video_num_frames || clip.end_frame + 1;
  const local = { start: clip.start_frame - offset, end: clip.end_frame - offset };
  const player = new FramePlayer(video, rate, numFrames);
  const info = {
    clipId: clip.id,
    mode: processed ? "processed" : "proxy",
    start: clip.start_frame,
    end: clip.end_frame,
    frame: null, // the absolute frame on screen
    seen: [], // absolute frames presented while playing (the last 500)
    minSeen: null,
    maxSeen: null,
    loops: 0,
    ready: false,
    error: null,
    player,
  };
  state.player = info;
  poseOverlay.attach(clip, video, player, (frame) => frame + offset - clip.start_frame);
  let restarting = false;

  $("clip-source").textContent = processed
    ? "Processed clip: faces blurred, no audio."
    : clip.has_proxy
      ? "Not processed yet: the source's proxy, held to the clip's frames."
      : "No processed clip and no proxy to play.";
  $("clip-range").textContent = `(${clip.start_frame}–${clip.end_frame}, ${plural(clip.num_frames, "frame")})`;
  readout.textContent = "—";
  if (!processed && !clip.has_proxy) return;

  async function restart() {
    restarting = true;
    try {
      if (!video.paused) video.pause();
      await player.seek(local.start);
      if (loopBox.checked && state.player === info) {
        info.loops += 1;
        await video.play().catch(() => {});
      }
    } finally {
      restarting = false;
    }
  }

  player.addEventListener("frame", (event) => {
    const frame = event.detail.frame + offset;
    info.frame = frame;
    readout.textContent = String(frame);
    if (video.paused || restarting) return;
    info.seen.push(frame);
    if (info.seen.length > 500) info.seen.shift();
    info.minSeen = info.minSeen === null ? frame : Math.min(info.minSeen, frame);
    info.maxSeen = info.maxSeen === null ? frame : Math.max(info.maxSeen, frame);
    // Stop on the clip's last frame (never show the next one): loop back or stay there.
    if (event.detail.frame >= local.end || event.detail.frame < local.start) {
      if (loopBox.checked) restart();
      else video.pause();
    }
  });
  player.addEventListener("state", () => {
    playButton.textContent = video.paused ? "Play" : "Pause";
  });
  video.addEventListener("ended", () => {
    if (loopBox.checked && !restarting) restart();
  });
  video.addEventListener("play", () => {
    // Play pressed on the last frame (or outside the clip): start again from the first.
    const at = player.frame;
    if (!restarting && (at >= local.end || at < local.start)) restart();
  });
  video.addEventListener("error", () => {
    info.error = "could not load";
    $("clip-source").textContent = `Clip ${clip.id} could not be loaded.`;
  });
  video.addEventListener(
    "loadeddata",
    () => {
      player.seek(local.start).then(() => {
        info.ready = true;
        if (state.player !== info) return;
        video.play().catch(() => {}); // autoplay refused: the controls remain
      });
    },
    { once: true },
  );
  video.src = apiUrl(processed ? `clips/${clip.id}/video/` : `videos/${clip.video}/proxy/`);
}

playButton.addEventListener("click", () => {
  const info = state.player;
  if (!info) return;
  const video = info.player.video;
  if (video.paused) video.play().catch(() => {});
  else video.pause();
});

function select(clip) {
  const same = state.selected && state.selected.id === clip.id;
  $("clip-panel-empty").hidden = true;
  $("clip-panel-body").hidden = false;
  $("clip-action-status").replaceChildren();
  showDetails(clip);
  for (const row of tbody.rows) {
    const on = row.dataset.clipId === String(clip.id);
    row.classList.toggle("selected", on);
    row.setAttribute("aria-selected", on ? "true" : "false");
  }
  if (!same || !state.player) play(clip);
}

window.mgstudio = { clips: state };

if (root && projectId) {
  restore();
  loadCategories()
    .catch((err) => showError(pageError, `Could not load the categories: ${err.message}`))
    .finally(refresh);
}
