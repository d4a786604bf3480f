// The annotate page: wires the player, the timeline, the segment list, the picker and the syncer
// to the keyboard and the toolbar. Every edit goes through the store (applied at once, undoable)
// and the syncer saves it; this module holds no segment state of its own.

import { PlayerPanel } from "../components/player_panel.js";
import { get, getAll, post } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { notice as showNotice, showError } from "../lib/notice.js";
import { ConflictDialog, HelpDialog } from "./dialogs.js";
import { Keymap } from "./keymap.js";
import { CategoryPicker } from "./picker.js";
import { SegmentList } from "./seglist.js";
import { RuleError, SegmentStore } from "./store.js";
import { LocalKeeper, Syncer } from "./sync.js";

const app = $("annotate-app");
const SPEEDS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2];

const ui = {
  selected: null,
  markStart: null,
  bigStep: Number(localStorage.getItem("mgstudio:big-step")) || 10,
  state: "assigned",
  readonlyViewer: app.dataset.readonly === "1",
};

// The labeler works with eyes on the video: notices go away by themselves.
const notice = (text, kind = "") => showNotice(text, kind, { hideAfter: 6000 });
const fatal = (text) => showError($("page-error"), text);

async function main() {
  const assignmentId = Number(app.dataset.assignmentId);
  let config;
  let serverSegments;
  try {
    [config, serverSegments] = await Promise.all([
      get(`assignments/${assignmentId}/workspace/`),
      getAll("segments/", { assignment: assignmentId, page_size: 1000 }),
    ]);
  } catch (err) {
    fatal(`Could not open this video: ${err.message}`);
    return;
  }
  const video = config.video;
  if (!video.has_proxy || !video.num_frames) {
    fatal(`Video ${video.external_id} is not ready to annotate yet (status: ${video.status}).`);
    return;
  }
  const categories = new Map(config.categories.map((c) => [c.code, c]));
  ui.state = config.assignment.state;
  ui.reviewStarted = config.assignment.review_started;

  const store = new SegmentStore({ assignmentId, numFrames: video.num_frames, categories: config.categories });
  const keeper = new LocalKeeper(assignmentId);
  store.load(serverSegments, ui.readonlyViewer ? [] : keeper.takeKept());
  const syncer = new Syncer(store, keeper);

  const panel = new PlayerPanel(video, {
    lanes: config.groups,
    categories: config.categories,
    startFrame: config.assignment.last_frame || 0,
    buttons: false, // every [data-action] button runs a command of the key map below
  });
  const { player, timeline, video: videoEl } = panel;
  const list = new SegmentList($("segment-table"), $("segments-empty"), $("segment-count"), config.categories);
  const picker = new CategoryPicker($("picker"), config.groups, config.categories);
  const conflicts = new ConflictDialog($("conflict"), store, categories);
  const keymap = new Keymap(config.shortcuts, config.categories.map((c) => c.hotkey).filter(Boolean));
  const help = new HelpDialog($("help"), keymap, () => renderKeys());

  // ---- rendering ----

  const editable = () => !ui.readonlyViewer && ui.state !== "submitted";

  function renderSegments() {
    const records = store.list();
    if (ui.selected && !store.get(ui.selected)) ui.selected = null;
    const overlaps = (rec) => store.sameCategoryOverlaps(rec);
    list.render(records, ui.selected, syncer, overlaps);
    timeline.setSegments(
      records.map((r) => ({
        uuid: r.uuid, start: r.start, end: r.end, code: r.code,
        problem: !!(r.conflict || r.error), pending: store.dirty().includes(r),
      })),
      ui.selected,
    );
  }

  function renderState() {
    const badge = $("assignment-state");
    badge.textContent = ui.readonlyViewer ? "read-only" : ui.state.replace("_", " ");
    $("training-badge").hidden = !config.assignment.is_training;
    badge.dataset.state = ui.state;
    $("submit-button").hidden = !editable();
    $("reopen-button").hidden = ui.readonlyViewer || ui.state !== "submitted";
    $("reopen-button").disabled = !!ui.reviewStarted;
    $("reopen-button").title = ui.reviewStarted ? "Review has started: it can no longer be reopened." : "";
    app.classList.toggle("readonly", !editable());
  }

  function renderMark() {
    const text = ui.markStart === null
      ? "Press [ at the first frame of a gesture."
      : `Start ${ui.markStart}: press ] at its last frame (Esc cancels).`;
    $("mark-state").textContent = text;
    timeline.setMark(ui.markStart);
  }

  function renderKeys() {
    for (const button of app.querySelectorAll("button[data-action]")) {
      button.setAttribute("aria-keyshortcuts", keymap.key(button.dataset.action));
    }
    for (const span of app.querySelectorAll(".big-step")) span.textContent = String(ui.bigStep);
  }

  store.addEventListener("change", () => {
    renderSegments();
    conflicts.next();
  });
  syncer.addEventListener("status", (event) => {
    const badge = $("sync-status");
    badge.dataset.state = event.detail.state;
    badge.textContent = event.detail.text;
    renderSegments();
  });

  player.addEventListener("frame", (event) => scheduleBookmark(event.detail.frame));
  player.addEventListener("state", () => {
    $("loop-toggle").checked = !!player.loop;
    $("speed-select").value = String(videoEl.playbackRate);
  });

  // ---- bookmark: "continue where I stopped" ----

  let bookmarkTimer = null;
  function scheduleBookmark(frame) {
    if (!editable()) return;
    clearTimeout(bookmarkTimer);
    bookmarkTimer = setTimeout(() => {
      post(`assignments/${assignmentId}/bookmark/`, { last_frame: frame }).catch(() => {});
    }, 1500);
  }

  // ---- edits ----

  function guarded(fn) {
    if (!editable()) {
      notice(ui.readonlyViewer ? "This is another labeler's video: read-only." : "The video is submitted: reopen it to edit.");
      return;
    }
    try {
      fn();
    } catch (err) {
      if (err instanceof RuleError) notice(err.message, "error");
      else throw err;
    }
  }

  function select(uuid, { seek = false } = {}) {
    ui.selected = uuid;
    const rec = uuid && store.get(uuid);
    if (rec && seek) player.seek(rec.start);
    if (player.loop && rec) player.setLoop({ start: rec.start, end: rec.end });
    renderSegments();
  }

  async function finishMark() {
    const a = ui.markStart;
    const b = await player.settled();
    const [start, end] = a <= b ? [a, b] : [b, a];
    const code = await picker.open(`Category of [${start}, ${end}]`);
    if (code === null) {
      renderMark();
      return;
    }
    guarded(() => {
      const uuid = store.create({ start, end, code });
      ui.markStart = null;
      renderMark();
      select(uuid);
    });
  }

  async function changeCategory() {
    const rec = ui.selected && store.get(ui.selected);
    if (!rec) return notice("Select a segment first.");
    const code = await picker.open(`Category of [${rec.start}, ${rec.end}]`, rec.code);
    if (code !== null) guarded(() => store.update(rec.uuid, { code }));
  }

  function selectedOrNotice() {
    const rec = ui.selected && store.get(ui.selected);
    if (!rec) notice("Select a segment first (↑/↓ or click it).");
    return rec;
  }

  function neighbour(direction) {
    const records = store.list();
    if (!records.length) return;
    const current = records.findIndex((r) => r.uuid === ui.selected);
    let index;
    if (current >= 0) index = current + direction;
    else if (direction > 0) index = records.findIndex((r) => r.start >= player.frame);
    else index = records.findLastIndex((r) => r.start <= player.frame);
    index = Math.max(0, Math.min(records.length - 1, index < 0 ? (direction > 0 ? records.length - 1 : 0) : index));
    select(records[index].uuid, { seek: true });
  }

  function nudge(which, delta) {
    const rec = selectedOrNotice();
    if (rec) guarded(() => store.update(rec.uuid, { [which]: rec[which] + delta }));
  }

  function setSpeed(direction) {
    const current = SPEEDS.findIndex((s) => s >= videoEl.playbackRate - 1e-9);
    const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, current + direction))];
    player.setSpeed(next);
    notice(`Speed ${next}×`);
  }

  function toggleLoop() {
    if (player.loop) return player.setLoop(null);
    const rec = selectedOrNotice();
    if (rec) player.setLoop({ start: rec.start, end: rec.end });
  }

  /** Undo or redo one edit, and select the segment it touched (if it still exists). */
  function travel(direction) {
    guarded(() => {
      const uuid = store[direction]();
      if (uuid === null) notice(`Nothing to ${direction}.`);
      else if (store.get(uuid)) select(uuid);
    });
  }

  const commands = {
    play_pause: () => player.toggle(),
    step_forward: () => player.step(1),
    step_back: () => player.step(-1),
    step_big_forward: () => player.step(ui.bigStep),
    step_big_back: () => player.step(-ui.bigStep),
    second_forward: () => player.stepSeconds(1),
    second_back: () => player.stepSeconds(-1),
    speed_up: () => setSpeed(1),
    speed_down: () => setSpeed(-1),
    mark_start: () => player.settled().then((frame) => guarded(() => {
      ui.markStart = frame;
      renderMark();
    })),
    mark_end: () => {
      if (ui.markStart === null) return notice("Press [ at the first frame first.");
      if (editable()) finishMark();
      else guarded(() => {});
    },
    pick_category: () => editable() ? changeCategory() : guarded(() => {}),
    prev_segment: () => neighbour(-1),
    next_segment: () => neighbour(1),
    jump_start: () => (selectedOrNotice() ? player.seek(store.get(ui.selected).start) : null),
    jump_end: () => (selectedOrNotice() ? player.seek(store.get(ui.selected).end) : null),
    toggle_loop: toggleLoop,
    nudge_start_back: () => nudge("start", -1),
    nudge_start_forward: () => nudge("start", 1),
    nudge_end_back: () => nudge("end", -1),
    nudge_end_forward: () => nudge("end", 1),
    split: async () => {
      const frame = await player.settled();
      const rec = selectedOrNotice();
      if (rec) guarded(() => select(store.split(rec.uuid, frame)));
    },
    delete_segment: () => {
      const rec = selectedOrNotice();
      if (rec) guarded(() => store.remove(rec.uuid));
    },
    undo: () => travel("undo"),
    redo: () => travel("redo"),
    cancel: () => {
      if (ui.markStart !== null) {
        ui.markStart = null;
        renderMark();
      } else {
        select(null);
      }
    },
    help: () => help.open(),
  };

  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target.closest && target.closest("input, select, textarea")) return;
    const action = keymap.action(event);
    if (!action) return;
    event.preventDefault();
    commands[action]();
  });

  // ---- toolbar, timeline, list ----

  for (const button of app.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => commands[button.dataset.action]());
  }
  $("help-button").addEventListener("click", () => help.open());
  $("speed-select").addEventListener("change", (e) => player.setSpeed(Number(e.target.value)));
  $("loop-toggle").addEventListener("change", () => toggleLoop());
  $("big-step-input").value = String(ui.bigStep);
  $("big-step-input").addEventListener("change", (e) => {
    const value = Math.max(2, Math.min(500, Math.round(Number(e.target.value)) || 10));
    ui.bigStep = value;
    e.target.value = String(value);
    localStorage.setItem("mgstudio:big-step", String(value));
    renderKeys();
  });
  timeline.addEventListener("select", (e) => select(e.detail.uuid));
  timeline.addEventListener("resize", (e) => {
    const { uuid, start, end } = e.detail;
    guarded(() => store.update(uuid, { start, end }));
    renderSegments();
  });
  list.addEventListener("pick", (e) => select(e.detail.uuid, { seek: true }));
  list.addEventListener("resort", () => renderSegments());

  // ---- submit / reopen ----

  /** Ask the server to `action` ("submit", "reopen") the assignment, and show its new state. */
  async function transition(action, done) {
    try {
      const body = await post(`assignments/${assignmentId}/${action}/`);
      ui.state = body.state;
      renderState();
      notice(done);
    } catch (err) {
      notice(`Could not ${action}: ${err.message}`, "error");
    }
  }

  $("submit-button").addEventListener("click", async () => {
    if (ui.markStart !== null) return notice("Finish the segment you started (press ]) or cancel it (Esc) first.", "error");
    if (store.problems().length) return notice("Some edits need your attention before submitting.", "error");
    if (store.dirty().length) return notice("Some edits are not saved yet: wait until all changes are saved.", "error");
    await transition("submit", "Submitted. You can reopen it until review starts.");
  });
  $("reopen-button").addEventListener("click", () => transition("reopen", "Reopened for editing."));

  window.addEventListener("beforeunload", (event) => {
    if (store.dirty().length || ui.markStart !== null) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  renderKeys();
  renderState();
  renderMark();
  renderSegments();
  syncer.persistAndKick();
  panel.ready.then(() => app.classList.add("ready"));
  videoEl.addEventListener("error", () => fatal("The browser could not play this video's proxy."));
  // For tests and benchmarks: the page's parts, read-only by convention.
  window.mgstudio = { player, store, syncer, timeline, keymap };
}

main();
