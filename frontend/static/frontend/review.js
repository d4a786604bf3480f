// The review page (docs/design.md §7): one video's two labelings side by side in the shared player
// panel (one timeline lane per labeler), the disagreements listed by kind, and a decision
// form — keep (category, bounds) or drop, with a reason — driven from the keyboard.
//
// The selection only moves when the reviewer moves it (↑/↓, n, a click): a decision keeps the
// decided item selected, so `u` right after undoes exactly that decision and `↓` goes to the
// item below it, never past one.

import { namedLanes } from "./components/lanes.js";
import { PlayerPanel } from "./components/player_panel.js";
import { ApiError, get, post } from "./lib/api.js";
import { $ } from "./lib/dom.js";
import { notice, showError } from "./lib/notice.js";

const app = $("review-app");
const videoId = Number(app.dataset.videoId);
const projectId = Number(app.dataset.projectId);
const KIND_NAMES = {
  label_conflict: "Label conflict",
  low_overlap: "Low overlap",
  only_in_i: "Only in i",
  only_in_j: "Only in j",
};
const SPEEDS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2];
const BIG_STEP = 10;

// decided: the items decided on this page, newest last: what `u` undoes.
const state = { data: null, selected: null, categories: new Map(), decided: [] };
let panel;
let player;
let timeline;

function segText(s) {
  if (!s) return "—";
  const cat = state.categories.get(s.category_code);
  return `[${s.start_frame}, ${s.end_frame}] C${s.category_code}${cat ? ` ${cat.name}` : ""}`;
}

/** What the labeler noted on a segment: "unsure" and their comment. */
function segNotes(s) {
  if (!s) return "";
  return [s.unsure ? "unsure" : "", s.comment ? `“${s.comment}”` : ""].filter(Boolean).join(" ");
}

/** The kind's name as the dashboard says it ("Only in i"), with the labeler's code. */
function kindName(kind) {
  const [li, lj] = state.data ? state.data.labelers : ["i", "j"];
  if (kind === "only_in_i") return `Only in i (${li})`;
  if (kind === "only_in_j") return `Only in j (${lj})`;
  return KIND_NAMES[kind] || kind;
}

function decisionText(d) {
  if (!d || !d.action) return "open";
  if (d.action === "drop") return "dropped";
  return `kept [${d.start_frame}, ${d.end_frame}] C${d.category_code}`;
}

function item() {
  return state.data.items.find((i) => i.id === state.selected) || null;
}

function render() {
  const data = state.data;
  const [li, lj] = data.labelers;
  $("run-info").textContent = `θ ${data.run.theta} · rule ${data.run.rule_version} · bounds: ${data.clip_bounds_rule}`;
  const badge = $("review-state");
  badge.textContent = data.closed ? "closed" : `${data.open} open`;
  badge.dataset.state = data.closed ? "closed" : "open";
  $("close-button").disabled = data.closed || data.open > 0;
  $("close-button").title = data.open ? "Decide every item first" : "";
  app.classList.toggle("readonly", data.closed);

  const rows = data.items.map((it) => {
    const tr = document.createElement("tr");
    tr.dataset.itemId = it.id;
    tr.dataset.kind = it.kind;
    if (it.id === state.selected) tr.classList.add("selected");
    const action = it.decision && it.decision.action;
    const cells = [
      kindName(it.kind),
      `${it.start_frame}–${it.end_frame}`,
      it.tiou.toFixed(2),
      decisionText(it.decision),
    ];
    cells.forEach((text, n) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (n === 2) td.className = "num";
      if (n === 3) td.className = action ? `decided-${action}` : "undecided";
      tr.append(td);
    });
    return tr;
  });
  $("items-table").tBodies[0].replaceChildren(...rows);
  $("items-empty").hidden = rows.length > 0;
  $("items-count").textContent = `(${data.items.length}, ${data.open} open)`;
  $("clips-count").textContent = `(${data.clips.length})`;
  $("clips-list").replaceChildren(
    ...data.clips.map((c) => {
      const entry = document.createElement("li");
      entry.textContent = `[${c.start_frame}, ${c.end_frame}] C${c.category_code} · ${c.origin} · ${c.status}`;
      return entry;
    }),
  );

  // Timeline: each labeler's segments in their lane, kept decisions in the third.
  const matched = new Set(data.matches.flatMap((m) => [m.segment_i, m.segment_j]));
  const open = new Set(
    data.items.filter((i) => !(i.decision && i.decision.action))
      .flatMap((i) => [i.segment_i && i.segment_i.id, i.segment_j && i.segment_j.id]),
  );
  const bars = [];
  for (const code of [li, lj]) {
    for (const s of data.segments[code] || []) {
      bars.push({
        uuid: `s${s.id}`, start: s.start_frame, end: s.end_frame, code: s.category_code,
        lane: code, muted: matched.has(s.id), problem: open.has(s.id),
      });
    }
  }
  for (const it of data.items) {
    const d = it.decision;
    if (d && d.action === "keep") {
      bars.push({ uuid: `d${it.id}`, start: d.start_frame, end: d.end_frame, code: d.category_code, lane: "Kept" });
    }
  }
  const current = item();
  const chosen = new Set();
  if (current) {
    for (const s of [current.segment_i, current.segment_j]) if (s) chosen.add(`s${s.id}`);
    chosen.add(`d${current.id}`);
  }
  timeline.setSegments(bars, chosen);
  renderForm();
}

function renderForm() {
  const it = item();
  const form = $("decision-form");
  form.hidden = !it;
  if (!it) return;
  const [li, lj] = state.data.labelers;
  $("decision-title").textContent = `${kindName(it.kind)} · frames ${it.start_frame}–${it.end_frame}`;
  $("decision-detail").textContent =
    `${li}: ${segText(it.segment_i)} · ${lj}: ${segText(it.segment_j)} · tIoU ${it.tiou.toFixed(3)} · now: ${decisionText(it.decision)}`;
  const notes = [[li, it.segment_i], [lj, it.segment_j]]
    .filter(([, seg]) => segNotes(seg)).map(([code, seg]) => `${code}: ${segNotes(seg)}`);
  $("decision-notes").textContent = notes.length ? `Labelers' notes — ${notes.join(" · ")}` : "";
  $("decision-notes").hidden = !notes.length;
  for (const [n, seg] of [[1, it.segment_i], [2, it.segment_j]]) {
    const button = $(`take-${n}`);
    button.hidden = !seg;
    if (seg) button.textContent = `${n}: C${seg.category_code} (${state.data.labelers[n - 1]})`;
  }
  const d = it.decision && it.decision.action === "keep" ? it.decision : null;
  const source = d || it.suggested;
  $("keep-category").value = source.category_code == null ? "" : String(source.category_code);
  $("keep-start").value = String(source.start_frame);
  $("keep-end").value = String(source.end_frame);
  $("keep-reason").value = (it.decision && it.decision.reason) || "";
  for (const el of form.querySelectorAll("input, select, button")) el.disabled = state.data.closed;
}

function select(id, { play = false } = {}) {
  state.selected = id;
  const it = item();
  render();
  if (!it) return;
  player.setLoop({ start: it.start_frame, end: it.end_frame });
  player.seek(it.start_frame).then(() => {
    if (play) player.toggle();
  });
  const row = $("items-table").querySelector(`tr[data-item-id="${id}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
}

function move(delta) {
  const items = state.data.items;
  if (!items.length) return;
  const at = items.findIndex((i) => i.id === state.selected);
  const next = at < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.max(0, Math.min(items.length - 1, at + delta));
  select(items[next].id);
}

const isOpen = (it) => !(it.decision && it.decision.action);

/** Select the next open item after the selected one (wrapping round), if any is open. */
function nextOpen() {
  const items = state.data.items;
  const at = items.findIndex((i) => i.id === state.selected);
  const order = [...items.slice(at + 1), ...items.slice(0, Math.max(0, at + 1))];
  const next = order.find(isOpen);
  if (next) select(next.id);
  else notice("Every item is decided.");
}

/** Undo the newest decision made here (selecting its item), else the selected item's. */
function undoLast() {
  while (state.decided.length) {
    const id = state.decided.pop();
    const it = state.data.items.find((i) => i.id === id);
    if (it && !isOpen(it)) {
      if (id !== state.selected) select(id);
      return decide("", it);
    }
  }
  const it = item();
  if (it && !isOpen(it)) return decide("", it);
  return notice("No decision to undo.");
}

/** Keys 1 and 2: keep the category of the first or the second labeler's segment. */
function takeCategory(n) {
  const it = item();
  const seg = it && (n === 1 ? it.segment_i : it.segment_j);
  if (!seg) return notice(`The ${n === 1 ? "first" : "second"} labeler has no segment here.`);
  $("keep-category").value = String(seg.category_code);
}

function setSpeed(direction) {
  const rate = player.video.playbackRate;
  const at = SPEEDS.findIndex((s) => s >= rate - 1e-9);
  const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (at < 0 ? SPEEDS.length - 1 : at) + direction))];
  player.setSpeed(next);
  $("speed-select").value = String(next);
}

async function decide(action, it = item()) {
  if (!it) return notice("Select an item first (↑/↓).");
  const body = { action, version: it.decision ? it.decision.version : null };
  if (action === "keep") {
    const code = $("keep-category").value;
    if (!code) return notice("Choose the category to keep.", "error");
    Object.assign(body, {
      category_code: Number(code),
      start_frame: Number($("keep-start").value),
      end_frame: Number($("keep-end").value),
    });
  }
  body.reason = $("keep-reason").value;
  try {
    await post(`review/items/${it.id}/decide/`, body);
    notice("");
    state.decided = state.decided.filter((id) => id !== it.id);
    if (action) state.decided.push(it.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) notice("Another reviewer changed this item; it was reloaded.", "error");
    else return notice(`Not saved: ${err.message}`, "error");
  }
  await load(); // the selection stays on the decided item
}

async function load() {
  state.data = await get(`review/videos/${videoId}/`);
  render();
}

function onKey(event) {
  if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
    event.preventDefault();
    player.step(event.key === "ArrowRight" ? BIG_STEP : -BIG_STEP);
    return;
  }
  const keys = {
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    n: nextOpen,
    ...panel.keys,
    k: () => decide("keep"),
    d: () => decide("drop"),
    u: undoLast,
    1: () => takeCategory(1),
    2: () => takeCategory(2),
    "/": () => $("keep-category").focus(),
    ">": () => setSpeed(1),
    "<": () => setSpeed(-1),
    "[": () => player.settled().then((f) => ($("keep-start").value = String(f))),
    "]": () => player.settled().then((f) => ($("keep-end").value = String(f))),
  };
  const run = keys[event.key];
  if (!run) return;
  event.preventDefault();
  run();
}

async function main() {
  try {
    const [data, categories] = await Promise.all([
      get(`review/videos/${videoId}/`),
      get(`projects/${projectId}/categories/`),
    ]);
    state.data = data;
    for (const c of categories) state.categories.set(c.code, c);
  } catch (err) {
    showError($("page-error"), `Could not open the review: ${err.message}`);
    return;
  }
  const { video, labelers } = state.data;
  const select_ = $("keep-category");
  select_.replaceChildren(new Option("— choose —", ""),
    ...[...state.categories.values()].map((c) => new Option(`C${c.code} ${c.name}`, String(c.code))));
  // One lane per labeler, and the kept decisions in a third.
  panel = new PlayerPanel(video, { lanes: namedLanes([...labelers, "Kept"]), categories: [...state.categories.values()] });
  ({ player, timeline } = panel);
  timeline.addEventListener("select", (e) => {
    const id = Number(String(e.detail.uuid).slice(1));
    const hit = state.data.items.find((i) => (e.detail.uuid.startsWith("d") ? i.id === id
      : [i.segment_i, i.segment_j].some((s) => s && s.id === id)));
    if (hit) select(hit.id);
  });
  $("items-table").tBodies[0].addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-item-id]");
    if (row) select(Number(row.dataset.itemId));
  });
  $("keep-button").addEventListener("click", () => decide("keep"));
  $("drop-button").addEventListener("click", () => decide("drop"));
  $("undo-button").addEventListener("click", undoLast);
  $("next-open-button").addEventListener("click", nextOpen);
  $("take-1").addEventListener("click", () => takeCategory(1));
  $("take-2").addEventListener("click", () => takeCategory(2));
  $("speed-select").addEventListener("change", (e) => {
    player.setSpeed(Number(e.target.value));
    e.target.blur(); // back to the page's keys: → steps a frame again
  });
  // Enter or Escape in the category box hands the keys back to the page (k keeps at once).
  $("keep-category").addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === "Escape") {
      e.preventDefault();
      e.target.blur();
    }
  });
  $("close-button").addEventListener("click", async () => {
    try {
      const body = await post(`review/videos/${videoId}/close/`);
      await load();
      notice(`Review closed: ${body.clips} clip${body.clips === 1 ? "" : "s"} made.`);
    } catch (err) {
      notice(`Could not close: ${err.message}`, "error");
    }
  });
  document.addEventListener("keydown", onKey);
  render();
  panel.ready.then(() => {
    app.classList.add("ready");
    const first = state.data.items.find((i) => !(i.decision && i.decision.action));
    if (first) select(first.id);
  });
  window.mgstudio = { player, timeline, state };
}

main();
