// The admin's training page: the rounds with each labeler's progress, the "new round"
// form (only the videos that can be samples, why the others cannot, and an upload of new
// samples right there), and the versioned guidelines editor with its history.

import { progressLine } from "./components/training_chart.js";
import { UploadQueue, wireDropzone } from "./components/uploads.js";
import { get, getAll, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatDate } from "./lib/format.js";
import { notice, showError } from "./lib/notice.js";
import { urlWithId } from "./lib/urls.js";
import { badge } from "./lib/widgets.js";

const app = $("training-app");
const projectId = Number(app.dataset.projectId);
const roundUrl = (id) => urlWithId(app.dataset.roundUrl, id);
const state = { categories: [], current: new Map() }; // current: key ("general" | code) → guideline

// ---- rounds ----

function labelerCell(labelers) {
  const codes = Object.keys(labelers).sort();
  return el("td", {}, ...codes.map((code) => {
    const e = labelers[code];
    const done = e.items === e.submitted;
    return el("span", { class: `chip ${done ? "done" : ""}`, dataset: { labeler: code },
      text: `${code} ${e.submitted}/${e.items}` });
  }));
}

async function loadRounds() {
  const rounds = await get("training/rounds/", { project: projectId });
  const rows = rounds.map((r) => el(
    "tr", { dataset: { roundId: r.id, state: r.state, complete: String(r.complete) } },
    el("td", { class: "num", text: String(r.number) }),
    el("th", { scope: "row", text: r.name }),
    el("td", {}, badge(r.state === "closed" ? "agreed" : r.complete ? "submitted" : "in_progress",
      r.state === "closed" ? "closed" : r.complete ? "all submitted" : "open")),
    el("td", { text: r.videos.map((v) => v.external_id).join(", ") }),
    labelerCell(r.labelers),
    el("td", {}, el("a", { href: roundUrl(r.id), text: r.complete ? "Compare" : "Status" })),
  ));
  $("rounds-table").tBodies[0].replaceChildren(...rows);
  $("rounds-empty").hidden = rows.length > 0;
  $("round-name").placeholder = `Round ${rounds.length + 1}`;
}

const REASONS = { not_ready: "not ready yet", assigned: "assigned as real work", in_round: "samples of earlier rounds" };

/** The possible samples as checkboxes (those in `checked` ticked), and why the others are missing. */
async function loadVideos(checked = new Set()) {
  const rows = await get("training/rounds/samples/", { project: projectId });
  for (const box of $("round-videos").querySelectorAll("input:checked")) checked.add(Number(box.value));
  const eligible = rows.filter((v) => v.eligible);
  $("round-videos").replaceChildren(...eligible.map((v) => el(
    "label", { class: "choice" },
    el("input", { type: "checkbox", name: "video", value: String(v.id), checked: checked.has(v.id), dataset: { externalId: v.external_id } }),
    ` ${v.external_id}`,
    v.num_frames ? el("span", { class: "muted small", text: ` · ${v.num_frames} frames` }) : null,
  )));
  $("round-videos-empty").hidden = eligible.length > 0;
  const missing = new Map();
  for (const v of rows.filter((r) => !r.eligible)) {
    if (!missing.has(v.code)) missing.set(v.code, []);
    missing.get(v.code).push(v);
  }
  $("round-videos-missing").replaceChildren(...[...missing].map(([code, videos]) => el(
    "li", { dataset: { code } },
    `${videos.length} ${REASONS[code] || code}: `,
    videos.map((v) => v.external_id).join(", "),
    code === "not_ready" ? ` (${videos.map((v) => v.reason.replace(/^not ready /, "")).join(", ")})` : "",
  )));
  $("round-videos-missing-box").hidden = missing.size === 0;
}

async function createRound(event) {
  event.preventDefault();
  const videos = [...$("round-videos").querySelectorAll("input:checked")].map((i) => Number(i.value));
  if (!videos.length) return notice("Choose one or more sample videos.", "error");
  $("round-create").disabled = true;
  try {
    const r = await post("training/rounds/", { project: projectId, name: $("round-name").value.trim(), videos });
    notice(`Round ${r.number} “${r.name}” created: ${Object.keys(r.labelers).length} labelers, ${r.videos.length} video${r.videos.length === 1 ? "" : "s"} each.`);
    $("round-name").value = "";
    for (const box of $("round-videos").querySelectorAll("input:checked")) box.checked = false;
    await Promise.all([loadRounds(), loadVideos()]);
  } catch (err) {
    notice(`Not created: ${err.message}`, "error");
  } finally {
    $("round-create").disabled = false;
  }
}

// ---- guidelines ----

const keyOf = (code) => (code === null || code === undefined ? "general" : String(code));

function targetCode() {
  const value = $("guideline-target").value;
  return value === "general" ? null : Number(value);
}

function fillTargets() {
  const select = $("guideline-target");
  const chosen = select.value || "general";
  const version = (key) => (state.current.has(key) ? ` (v${state.current.get(key).version})` : " (none yet)");
  const groups = new Map();
  for (const c of state.categories) {
    if (!groups.has(c.group)) groups.set(c.group, []);
    groups.get(c.group).push(c);
  }
  select.replaceChildren(
    new Option(`General boundary rules${version("general")}`, "general"),
    ...[...groups].map(([group, cats]) => {
      const og = el("optgroup", { label: group || "Other" });
      og.append(...cats.map((c) => new Option(`C${c.code} ${c.name}${version(String(c.code))}`, String(c.code))));
      return og;
    }),
  );
  select.value = chosen;
}

function showGuideline() {
  const g = state.current.get($("guideline-target").value);
  $("guideline-definition").value = g ? g.definition : "";
  $("guideline-inclusion").value = g ? g.inclusion : "";
  $("guideline-exclusion").value = g ? g.exclusion : "";
  $("guideline-clips").value = g ? g.example_clips.join(", ") : "";
  $("guideline-version").textContent = g
    ? `version ${g.version} · ${formatDate(g.created_at)}${g.created_by ? ` · ${g.created_by}` : ""}`
    : "no version yet";
  if (!$("guideline-history").hidden) loadHistory();
}

async function loadGuidelines() {
  const rows = await get(`projects/${projectId}/guidelines/`);
  state.current = new Map(rows.map((g) => [keyOf(g.category_code), g]));
  fillTargets();
  showGuideline();
}

async function loadHistory() {
  const code = targetCode();
  const query = code === null ? { history: "" } : { history: "", category: code };
  const rows = await get(`projects/${projectId}/guidelines/`, query);
  const older = rows.slice(1);
  $("history-list").replaceChildren(
    ...(older.length ? older.map((g) => el(
      "li", { dataset: { version: g.version } },
      el("strong", { text: `v${g.version}` }),
      el("span", { class: "muted small", text: ` ${formatDate(g.created_at)}${g.created_by ? ` · ${g.created_by}` : ""}` }),
      el("p", { text: g.definition || "(no definition)" }),
      g.inclusion ? el("p", { class: "small", text: `Inclusion: ${g.inclusion}` }) : null,
      g.exclusion ? el("p", { class: "small", text: `Exclusion: ${g.exclusion}` }) : null,
      g.example_clips.length ? el("p", { class: "small", text: `Example clips: ${g.example_clips.join(", ")}` }) : null,
    )) : [el("li", { class: "muted", text: "No earlier version." })]),
  );
}

async function saveGuideline(event) {
  event.preventDefault();
  const clips = $("guideline-clips").value.split(/[\s,]+/).filter(Boolean);
  if (clips.some((c) => !/^\d+$/.test(c))) return notice("Example clips: clip ids (numbers), comma separated.", "error");
  try {
    const g = await post(`projects/${projectId}/guidelines/`, {
      category_code: targetCode(),
      definition: $("guideline-definition").value,
      inclusion: $("guideline-inclusion").value,
      exclusion: $("guideline-exclusion").value,
      example_clips: clips.map(Number),
    });
    notice(`Saved as version ${g.version}.`);
    await loadGuidelines();
  } catch (err) {
    notice(`Not saved: ${err.message}`, "error");
  }
}

/** Each labeler's R against the reference over the closed rounds (the labeler sees the same). */
async function loadProgress() {
  const labelers = await getAll("labelers/", { projects: projectId, page_size: 200 });
  const cards = await Promise.all(labelers.map(async (labeler) => {
    const body = await get("training/results/", { project: projectId, labeler: labeler.code });
    const scored = body.rounds.filter((r) => r.score && r.score.r !== null);
    return el("figure", { class: "labeler-progress", dataset: { labeler: labeler.code } },
      el("figcaption", { text: `${labeler.code}: ${scored.length} scored round${scored.length === 1 ? "" : "s"}` }),
      scored.length ? progressLine(body.rounds) : el("p", { class: "muted small", text: "No closed round with a reference yet." }));
  }));
  $("labeler-progress").replaceChildren(...cards);
}

async function main() {
  try {
    // One wave of requests: the guidelines need the categories, nothing else waits.
    const progress = loadProgress();
    progress.catch(() => {}); // reported by the Promise.all below
    const [categories] = await Promise.all([
      get(`projects/${projectId}/categories/`), loadRounds(), loadVideos(),
    ]);
    state.categories = categories;
    await Promise.all([loadGuidelines(), progress]);
  } catch (err) {
    showError($("page-error"), `Could not load the training page: ${err.message}`);
    return;
  }
  $("round-form").addEventListener("submit", createRound);
  // New sample videos uploaded from the form are ticked once they are ready.
  const uploads = new UploadQueue({
    projectId,
    list: $("sample-uploads"),
    onSettled: (video) => loadVideos(new Set(video && video.status === "ready" ? [video.id] : [])),
  });
  wireDropzone($("sample-drop"), $("sample-input"), (files) => uploads.add(files));
  $("guideline-form").addEventListener("submit", saveGuideline);
  $("guideline-target").addEventListener("change", showGuideline);
  $("history-toggle").addEventListener("click", () => {
    const box = $("guideline-history");
    box.hidden = !box.hidden;
    $("history-toggle").setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) loadHistory();
  });
  app.classList.add("ready");
}

main();
