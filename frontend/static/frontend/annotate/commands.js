// The workspace's commands: every action a key or a button runs (keymap.js names them), on the
// page's parts. Edits go through the store (undoable, validated, then saved by the syncer);
// `guarded` refuses them on a read-only page and shows a refused rule as a notice.

import { $ } from "../lib/dom.js";
import { dismissGone, restoreGone } from "./reconcile.js";
import { RuleError } from "./store.js";

const SPEEDS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2];

/**
 * @param {object} page  ui, store, player, picker, details, help, guidelines, numFrames,
 *   notice(text, kind), editable(), renderSegments(), renderMark()
 * @returns {{commands: object, select: Function, guarded: Function}}
 */
export function makeCommands(page) {
  const { ui, store, player, picker, details, help, guidelines, numFrames, notice, editable, renderSegments, renderMark } = page;
  const videoEl = player.video;

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
    const code = await picker.open(`Category of [${start}, ${end}]`, null, $("transport-bar"));
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
    const code = await picker.open(`Category of [${rec.start}, ${rec.end}]`, rec.code, $("transport-bar"));
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

  /** The selected segment's notes: a comment, "unsure", an overlap confirmed as intended. */
  function setNotes(fields) {
    const rec = selectedOrNotice();
    if (rec) guarded(() => store.update(rec.uuid, fields));
  }

  function gotoTyped(input) {
    const frame = Number(input.value);
    if (input.value.trim() === "" || !Number.isInteger(frame)) {
      notice(`Type a frame number (0–${numFrames - 1}).`, "error");
      return;
    }
    player.seek(frame);
    input.value = "";
    input.blur(); // back to the page's keys
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
    merge: () => {
      const rec = selectedOrNotice();
      if (rec) guarded(() => select(store.merge(rec.uuid)));
    },
    confirm_overlap: () => {
      const rec = selectedOrNotice();
      if (!rec) return;
      if (!store.sameCategoryOverlaps(rec).length) return notice(`No other C${rec.code} overlaps this segment.`);
      setNotes({ confirmed: true });
    },
    duplicate: async () => {
      const frame = await player.settled();
      const rec = selectedOrNotice();
      if (rec) guarded(() => select(store.duplicate(rec.uuid, frame)));
    },
    comment: () => (selectedOrNotice() && editable() ? details.focusComment() : guarded(() => {})),
    toggle_unsure: () => {
      const rec = selectedOrNotice();
      if (rec) setNotes({ unsure: !rec.unsure });
    },
    restore: () => {
      const rec = selectedOrNotice();
      if (rec) guarded(() => select(restoreGone(store, rec.uuid)));
    },
    delete_segment: () => {
      const rec = selectedOrNotice();
      if (rec && rec.goneElsewhere) guarded(() => dismissGone(store, rec.uuid));
      else if (rec) guarded(() => store.remove(rec.uuid));
    },
    goto_frame: () => $("goto-frame").focus(),
    guidelines: () => guidelines.toggle(),
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

  return { commands, select, guarded, gotoTyped };
}
