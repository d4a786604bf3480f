// Reassigning a video's labelers by hand on the admin's project page. The videos table calls
// labelersCell(video, …) for each row: every labeler code becomes a <select> of the project's
// labelers that PATCHes that assignment on change. Assignments a labeler has started (in progress,
// submitted, or with segments) are locked; a refusal from the server reverts the select and is
// shown in the row.

import { get, getAll, request } from "./lib/api.js";
import { el } from "./lib/dom.js";

const LOCKED_STATES = { in_progress: "in progress", submitted: "submitted" };

let cache = null; // { byVideo: Map(videoId -> [assignment]), labelers: [code] } from the last load
let loading = null; // the load in flight, shared by every cell of one render
let generation = 0; // bumped by each reassignment: a load started before it is stale
const notes = new Map(); // videoId -> the last outcome in that row, kept across re-renders

function group(assignments) {
  const byVideo = new Map();
  for (const a of assignments) {
    if (a.is_training) continue;
    const videoId = a.video && typeof a.video === "object" ? a.video.id : a.video;
    if (!byVideo.has(videoId)) byVideo.set(videoId, []);
    byVideo.get(videoId).push(a);
  }
  for (const list of byVideo.values()) list.sort((a, b) => a.labeler.localeCompare(b.labeler));
  return byVideo;
}

/** The project's assignments and labelers, fetched once per table render; null when stale. */
function load(projectId) {
  if (!loading) {
    const started = generation;
    loading = Promise.all([
      getAll("assignments/", { video__project: projectId, is_training: false, page_size: 1000 }),
      get(`projects/${projectId}/`),
    ])
      .then(([assignments, project]) => {
        if (started !== generation) return null;
        cache = { byVideo: group(assignments), labelers: project.labelers || [] };
        return cache;
      })
      .finally(() => {
        loading = null;
      });
  }
  return loading;
}

function lockReason(a) {
  if (LOCKED_STATES[a.state]) {
    return `${a.labeler} has started this video (${LOCKED_STATES[a.state]}); it can no longer be reassigned`;
  }
  if (a.segment_count > 0) {
    return `${a.labeler} has already marked segments on this video; it can no longer be reassigned`;
  }
  return null;
}

function signature(assignments, labelers) {
  return JSON.stringify([labelers, assignments.map((a) => [a.id, a.labeler, a.state, a.segment_count])]);
}

/** Show a row's last outcome; `fresh` announces an error (not when a re-render shows it again). */
function showNote(box, note, fresh = false) {
  if (!note) box.replaceChildren();
  else if (note.ok) box.replaceChildren(el("span", { class: "ok small", text: note.text }));
  else {
    const role = fresh ? "alert" : null;
    box.replaceChildren(el("p", { class: "row-error reassign-error", role, text: note.text }));
  }
}

function labelerSelect(video, a, index, labelers, cell, message, onReassigned) {
  const codes = [...new Set([...labelers, a.labeler])].sort();
  const reason = lockReason(a);
  const select = el(
    "select",
    {
      class: "labeler-select",
      "aria-label": `Labeler ${index + 1} of video ${video.external_id}`,
      title: reason || `Reassign ${a.labeler}'s assignment of video ${video.external_id}`,
      disabled: Boolean(reason),
      dataset: { assignmentId: a.id, state: a.state, code: a.labeler },
    },
    codes.map((code) => el("option", { value: code, text: code, selected: code === a.labeler })),
  );
  select.value = a.labeler;
  select.addEventListener("change", async () => {
    const previous = select.dataset.code;
    const next = select.value;
    if (next === previous) return;
    select.disabled = true;
    cell.dataset.busy = "true";
    notes.delete(video.id);
    showNote(message, null);
    try {
      const updated = await request(`assignments/${a.id}/`, { method: "PATCH", json: { labeler: next } });
      generation += 1;
      Object.assign(a, updated); // the cached assignment: the next render shows it at once
      select.dataset.code = a.labeler;
      select.value = a.labeler;
      select.title = `Reassign ${a.labeler}'s assignment of video ${video.external_id}`;
      notes.set(video.id, { ok: true, text: `Reassigned to ${a.labeler}.` });
      showNote(message, notes.get(video.id));
      if (onReassigned) onReassigned(a);
    } catch (err) {
      select.value = previous;
      notes.set(video.id, { ok: false, text: err.message });
      showNote(message, notes.get(video.id), true);
    } finally {
      select.disabled = Boolean(lockReason(a));
      delete cell.dataset.busy;
    }
  });
  return select;
}

function fill(cell, video, data, onReassigned) {
  const assignments = data.byVideo.get(video.id) || [];
  const sig = signature(assignments, data.labelers);
  if (cell.dataset.busy || cell.dataset.sig === sig) return;
  cell.dataset.sig = sig;
  if (!assignments.length) {
    cell.replaceChildren("—");
    return;
  }
  const message = el("div", { class: "reassign-message", "aria-live": "polite" });
  showNote(message, notes.get(video.id));
  const selects = assignments.map((a, i) =>
    labelerSelect(video, a, i, data.labelers, cell, message, onReassigned),
  );
  const spaced = selects.flatMap((s, i) => (i ? [" ", s] : [s]));
  cell.replaceChildren(el("span", { class: "labeler-selects nowrap" }, spaced), message);
}

/** Whether cached assignments still describe this video (same labeler codes as the row). */
function current(video, data) {
  const codes = (data.byVideo.get(video.id) || []).map((a) => a.labeler).sort();
  return JSON.stringify(codes) === JSON.stringify([...(video.labelers || [])].sort());
}

/**
 * The labelers <td> of one video row. Options: projectId, onReassigned(assignment) (e.g. to
 * refresh the page). Shows the plain codes until the assignments are known, then the selects.
 */
export function labelersCell(video, { projectId, onReassigned } = {}) {
  const cell = el("td", { class: "labelers-cell" }, (video.labelers || []).join(", ") || "—");
  if (cache && current(video, cache)) fill(cell, video, cache, onReassigned);
  load(projectId)
    .then((data) => {
      if (data) fill(cell, video, data, onReassigned);
    })
    .catch((err) => {
      cell.title = `Labelers cannot be changed right now: ${err.message}`;
    });
  return cell;
}
