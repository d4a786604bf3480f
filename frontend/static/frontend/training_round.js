// A training round's comparison (admins): while open, each labeler's progress; once every
// labeler has submitted, the player with one timeline lane per labeler plus the reference, the
// round's figures (pairwise R, mean R, Fleiss' κ, confusions), the places where labelers differ,
// and the reference-answer editor (copy a labeler or a place's consensus, edit, save), and Close.

import { formatR, inkOn, rColour } from "./components/charts.js";
import { namedLanes } from "./components/lanes.js";
import { PlayerPanel } from "./components/player_panel.js";
import { get, post, request } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { notice, showError } from "./lib/notice.js";

const app = $("round-app");
const roundId = Number(app.dataset.roundId);
const projectId = Number(app.dataset.projectId);
const REFERENCE = "Reference";

const state = {
  status: null, data: null, categories: new Map(), labelers: [], videoId: null,
  reference: new Map(), // video id → [{start_frame, end_frame, category_code}]
  dirty: new Set(), // video ids whose reference is edited and not saved
};
let panel = null;
let player = null;
let timeline = null;

const catName = (code) => {
  const c = state.categories.get(code);
  return c ? `C${code} ${c.name}` : `C${code}`;
};
const video = () => state.status.videos.find((v) => v.id === state.videoId);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
};

// ---- header and progress ----

function renderStatus() {
  const s = state.status;
  const badgeEl = $("round-state");
  badgeEl.textContent = s.state === "closed" ? "closed" : s.complete ? "all submitted" : "open";
  badgeEl.className = `badge status-${s.state === "closed" ? "agreed" : s.complete ? "submitted" : "in_progress"}`;
  badgeEl.dataset.state = s.state;
  $("round-info").textContent = `${s.videos.length} video${s.videos.length === 1 ? "" : "s"} · ` +
    `${Object.keys(s.labelers).length} labelers · θ ${s.theta}`;
  $("close-round").disabled = s.state === "closed" || !s.complete;
  $("close-round").title = s.complete ? "" : "Every labeler must submit first";
  $("round-progress").hidden = s.complete;
  $("progress-table").tBodies[0].replaceChildren(...Object.keys(s.labelers).sort().map((code) => el(
    "tr", { dataset: { labeler: code } },
    el("th", { scope: "row", text: code }),
    el("td", { class: "num", text: String(s.labelers[code].submitted) }),
    el("td", { class: "num", text: String(s.labelers[code].items) }),
  )));
}

// ---- figures ----

function renderFigures() {
  const d = state.data;
  const codes = state.labelers;
  $("theta").textContent = String(d.theta);
  const pair = new Map();
  for (const p of d.pair_r) {
    pair.set(`${p.labeler_i}|${p.labeler_j}`, p.r);
    pair.set(`${p.labeler_j}|${p.labeler_i}`, p.r);
  }
  const matrix = $("pair-matrix");
  matrix.tHead.replaceChildren(el("tr", {}, el("th", {}), ...codes.map((c) => el("th", { scope: "col", text: c }))));
  matrix.tBodies[0].replaceChildren(...codes.map((row) => el(
    "tr", {}, el("th", { scope: "row", text: row }),
    ...codes.map((col) => {
      if (row === col) return el("td", { class: "num diag", text: "" });
      const r = pair.get(`${row}|${col}`);
      const cell = el("td", { class: "num cell", text: formatR(r), dataset: { pair: `${row}|${col}`, r: r ?? "" } });
      if (r !== null && r !== undefined) {
        cell.style.background = rColour(r);
        cell.style.color = inkOn(r);
      }
      return cell;
    }),
  )));
  $("mean-table").tBodies[0].replaceChildren(...codes.map((c) => el(
    "tr", { dataset: { labeler: c } }, el("th", { scope: "row", text: c }),
    el("td", { class: "num", text: formatR(d.mean_r[c]), dataset: { r: d.mean_r[c] ?? "" } }),
  )));
  const kappa = $("fleiss-kappa");
  kappa.textContent = d.fleiss_kappa === null || d.fleiss_kappa === undefined ? "—" : Number(d.fleiss_kappa).toFixed(3);
  kappa.dataset.kappa = d.fleiss_kappa ?? "";
  $("confusion-table").tBodies[0].replaceChildren(...d.confusions.map((c) => el(
    "tr", {}, el("td", { text: c.categories.map(catName).join(" ↔ ") }),
    el("td", { class: "num", text: String(c.count) }),
  )));
  $("confusion-empty").hidden = d.confusions.length > 0;
  $("confusion-table").hidden = d.confusions.length === 0;
}

// ---- places ----

function placeSpan(p) {
  return {
    start: Math.min(...p.members.map((m) => m.start_frame)),
    end: Math.max(...p.members.map((m) => m.end_frame)),
  };
}

function consensus(p) {
  const votes = new Map();
  for (const m of p.members) votes.set(m.category_code, (votes.get(m.category_code) || 0) + 1);
  const top = Math.max(...votes.values());
  const code = Math.min(...[...votes].filter(([, n]) => n === top).map(([c]) => c));
  return {
    start_frame: median(p.members.map((m) => m.start_frame)),
    end_frame: median(p.members.map((m) => m.end_frame)),
    category_code: code,
  };
}

function renderPlaces() {
  const places = state.data.places.map((p, index) => ({ ...p, index })).filter((p) => p.video_id === state.videoId);
  $("places-table").tBodies[0].replaceChildren(...places.map((p) => {
    const span = placeSpan(p);
    return el(
      "tr", { dataset: { place: p.index, start: span.start, end: span.end } },
      el("td", { text: `${span.start}–${span.end}` }),
      el("td", { class: "small", text: p.members.map((m) => `${m.labeler}: [${m.start_frame}, ${m.end_frame}] C${m.category_code}`).join(" · ") }),
      el("td", { class: p.missing.length ? "missing" : "", text: p.missing.join(", ") || "—" }),
      el("td", { class: "num", text: String(p.onset_spread) }),
      el("td", { class: "num", text: String(p.offset_spread) }),
      el("td", {}, el("button", { type: "button", class: "small consensus", dataset: { place: p.index },
        title: "Median start and end, majority category", text: "Consensus → ref." })),
    );
  }));
  $("places-empty").hidden = places.length > 0;
  $("places-count").textContent = `(${places.length})`;
}

function playPlace(index) {
  const p = state.data.places[index];
  const span = placeSpan(p);
  for (const row of $("places-table").querySelectorAll("tr.selected")) row.classList.remove("selected");
  const row = $("places-table").querySelector(`tr[data-place="${index}"]`);
  if (row) row.classList.add("selected");
  player.setLoop(span);
  $("loop-info").textContent = `Looping ${span.start}–${span.end}`;
  player.seek(span.start).then(() => {
    if (player.paused) player.toggle();
  });
}

// ---- reference editor ----

function refs() {
  if (!state.reference.has(state.videoId)) state.reference.set(state.videoId, []);
  return state.reference.get(state.videoId);
}

function setRefs(rows) {
  state.reference.set(state.videoId, rows);
  state.dirty.add(state.videoId);
  renderReference();
}

function categoryOptions(selected) {
  const select = el("select", { class: "ref-category", "aria-label": "Category" });
  select.append(...[...state.categories.values()].map((c) => new Option(`C${c.code} ${c.name}`, String(c.code))));
  select.value = String(selected);
  return select;
}

function renderReference() {
  const rows = refs();
  const order = rows.map((r, i) => i).sort((a, b) => rows[a].start_frame - rows[b].start_frame || rows[a].end_frame - rows[b].end_frame);
  $("reference-table").tBodies[0].replaceChildren(...order.map((i) => {
    const r = rows[i];
    const num = (field) => {
      const input = el("input", { type: "number", min: "0", class: `narrow ref-${field === "start_frame" ? "start" : "end"}`,
        value: String(r[field]), "aria-label": field === "start_frame" ? "Start frame" : "End frame" });
      input.addEventListener("change", () => {
        r[field] = Number(input.value);
        state.dirty.add(state.videoId);
        renderReference();
      });
      return input;
    };
    const cat = categoryOptions(r.category_code);
    cat.addEventListener("change", () => {
      r.category_code = Number(cat.value);
      state.dirty.add(state.videoId);
      renderReference();
    });
    const remove = el("button", { type: "button", class: "small ref-remove", text: "Remove" });
    remove.addEventListener("click", () => setRefs(rows.filter((x) => x !== r)));
    return el("tr", { dataset: { start: r.start_frame, end: r.end_frame, category: r.category_code } },
      el("td", {}, num("start_frame")), el("td", {}, num("end_frame")), el("td", {}, cat), el("td", {}, remove));
  }));
  $("reference-empty").hidden = rows.length > 0;
  $("reference-dirty").textContent = state.dirty.has(state.videoId) ? "· not saved" : "";
  $("reference-dirty").dataset.dirty = String(state.dirty.has(state.videoId));
  renderTimeline();
}

function renderTimeline() {
  if (!timeline) return;
  const v = video();
  const bars = [];
  for (const code of state.labelers) {
    (state.data.segments[v.external_id]?.[code] || []).forEach(([start, end, cat], n) => {
      bars.push({ uuid: `${code}:${n}`, start, end, code: cat, lane: code });
    });
  }
  refs().forEach((r, n) => bars.push({ uuid: `ref:${n}`, start: r.start_frame, end: r.end_frame, code: r.category_code, lane: REFERENCE }));
  timeline.setSegments(bars, new Set());
}

async function saveReference() {
  const rows = refs();
  for (const r of rows) {
    if (!(r.start_frame >= 0 && r.end_frame >= r.start_frame)) {
      return notice(`[${r.start_frame}, ${r.end_frame}] is not a segment: the end must not come before the start.`, "error");
    }
  }
  try {
    const saved = await request(`training/rounds/${roundId}/reference/`, {
      method: "PUT", json: { video: state.videoId, segments: rows },
    });
    loadReference(saved);
    state.dirty.delete(state.videoId);
    renderReference();
    notice(`Reference saved: ${rows.length} segment${rows.length === 1 ? "" : "s"} for video ${video().external_id}.`);
  } catch (err) {
    notice(`Reference not saved: ${err.message}`, "error");
  }
}

function loadReference(rows) {
  const keep = new Map([...state.reference].filter(([id]) => state.dirty.has(id)));
  state.reference = new Map();
  for (const r of rows) {
    if (!state.reference.has(r.video)) state.reference.set(r.video, []);
    state.reference.get(r.video).push({ start_frame: r.start_frame, end_frame: r.end_frame, category_code: r.category_code });
  }
  for (const [id, list] of keep) if (id !== state.videoId) state.reference.set(id, list);
}

// ---- the player for one video ----

async function openVideo(id) {
  state.videoId = id;
  const info = await get(`videos/${id}/`);
  if (panel) panel.close();
  panel = new PlayerPanel(info, {
    lanes: namedLanes(state.labelers, { name: REFERENCE, colour: "#1d2430" }),
    categories: [...state.categories.values()],
  });
  ({ player, timeline } = panel);
  $("loop-info").textContent = "";
  timeline.addEventListener("seek", () => {
    // Scrubbing leaves the place being looped.
    player.setLoop(null);
    $("loop-info").textContent = "";
  });
  renderPlaces();
  renderReference();
  window.mgstudio = { player, timeline, state };
  panel.ready.then(() => app.classList.add("ready"));
}

function onKey(event) {
  if (!player || event.target.closest("input, select, textarea, button") || event.ctrlKey || event.metaKey || event.altKey) return;
  const run = panel.keys[event.key];
  if (!run) return;
  event.preventDefault();
  run();
}

async function openComparison() {
  const [data, reference] = await Promise.all([
    get(`training/rounds/${roundId}/comparison/`),
    get(`training/rounds/${roundId}/reference/`),
  ]);
  state.data = data;
  state.labelers = Object.keys(data.labelers).sort();
  loadReference(reference);
  $("comparison").hidden = false;
  renderFigures();
  $("video-select").replaceChildren(...state.status.videos.map((v) => new Option(v.external_id, String(v.id))));
  $("copy-labeler").replaceChildren(...state.labelers.map((c) => new Option(c, c)));
  $("video-select").addEventListener("change", () => {
    if (player) player.video.pause();
    app.classList.remove("ready");
    openVideo(Number($("video-select").value));
  });
  $("places-table").tBodies[0].addEventListener("click", (e) => {
    const button = e.target.closest("button.consensus");
    if (button) {
      const c = consensus(state.data.places[Number(button.dataset.place)]);
      const exists = refs().some((r) => r.start_frame === c.start_frame && r.end_frame === c.end_frame && r.category_code === c.category_code);
      if (!exists) setRefs([...refs(), c]);
      return;
    }
    const row = e.target.closest("tr[data-place]");
    if (row) playPlace(Number(row.dataset.place));
  });
  $("copy-button").addEventListener("click", () => {
    const code = $("copy-labeler").value;
    const segs = state.data.segments[video().external_id]?.[code] || [];
    setRefs(segs.map(([start, end, cat]) => ({ start_frame: start, end_frame: end, category_code: cat })));
    notice(`Copied ${segs.length} segment${segs.length === 1 ? "" : "s"} of ${code}; save to keep them.`);
  });
  $("add-reference").addEventListener("click", () => {
    const at = player ? player.frame : 0;
    const first = [...state.categories.keys()][0];
    setRefs([...refs(), { start_frame: at, end_frame: at, category_code: first }]);
  });
  $("save-reference").addEventListener("click", saveReference);
  document.addEventListener("keydown", onKey);
  await openVideo(state.status.videos[0].id);
}

async function main() {
  try {
    const [status, categories] = await Promise.all([
      get(`training/rounds/${roundId}/`),
      get(`projects/${projectId}/categories/`),
    ]);
    state.status = status;
    for (const c of categories) state.categories.set(c.code, c);
    renderStatus();
    if (status.complete) await openComparison();
    else app.classList.add("ready");
  } catch (err) {
    showError($("page-error"), `Could not open the round: ${err.message}`);
    return;
  }
  $("close-round").addEventListener("click", async () => {
    if (state.dirty.size && !window.confirm("The reference has unsaved edits. Close the round anyway?")) return;
    try {
      state.status = await post(`training/rounds/${roundId}/close/`);
      renderStatus();
      notice("Round closed: each labeler now sees their own score against the reference.");
    } catch (err) {
      notice(`Could not close: ${err.message}`, "error");
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (state.dirty.size) e.preventDefault();
  });
}

main();
