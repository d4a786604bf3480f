// Keyboard commands of the labeler workspace: the defaults, a labeler's overrides (stored on the
// server), and matching a KeyboardEvent to a command.
//
// The defaults use only the keys the taxonomy reserves for the workspace (annotator/taxonomy.py
// RESERVED_KEYS) or a modifier combination, so a category hotkey never shadows a command.

/** action → [default key, what it does]. Order is the order of the help overlay. */
export const ACTIONS = {
  play_pause: [" ", "Play / pause"],
  step_forward: ["ArrowRight", "Forward one frame"],
  step_back: ["ArrowLeft", "Back one frame"],
  step_big_forward: ["Shift+ArrowRight", "Forward a big step (configurable)"],
  step_big_back: ["Shift+ArrowLeft", "Back a big step"],
  second_forward: ["l", "Forward one second"],
  second_back: ["j", "Back one second"],
  speed_up: [">", "Faster"],
  speed_down: ["<", "Slower"],
  goto_frame: ["Ctrl+g", "Type a frame number to go to"],
  mark_start: ["[", "Set the start at the playhead"],
  mark_end: ["]", "Set the end at the playhead, then pick the category"],
  pick_category: ["Enter", "Change the selected segment's category"],
  prev_segment: ["ArrowUp", "Select the previous segment"],
  next_segment: ["ArrowDown", "Select the next segment"],
  jump_start: [",", "Go to the selected segment's start"],
  jump_end: [".", "Go to the selected segment's end"],
  toggle_loop: ["k", "Loop the selected segment"],
  nudge_start_back: ["Ctrl+ArrowLeft", "Move the selected start one frame earlier"],
  nudge_start_forward: ["Ctrl+ArrowRight", "Move the selected start one frame later"],
  nudge_end_back: ["Ctrl+Shift+ArrowLeft", "Move the selected end one frame earlier"],
  nudge_end_forward: ["Ctrl+Shift+ArrowRight", "Move the selected end one frame later"],
  split: ["Ctrl+b", "Split the selected segment at the playhead"],
  merge: ["Ctrl+m", "Merge the selected segment with the segments of its category it overlaps or touches"],
  confirm_overlap: ["Ctrl+Shift+m", "Confirm the selected segment's overlap with its category as intended"],
  duplicate: ["Ctrl+d", "Duplicate the selected segment at the playhead"],
  comment: ["Ctrl+e", "Write a comment on the selected segment (Enter saves)"],
  toggle_unsure: ["Ctrl+u", "Mark the selected segment unsure, or sure again"],
  delete_segment: ["Delete", "Delete the selected segment"],
  next_proposal: ["Shift+ArrowDown", "Go to the next machine proposal"],
  prev_proposal: ["Shift+ArrowUp", "Go to the previous machine proposal"],
  accept_proposal: ["Shift+Enter", "Accept the proposal as a segment (its suggested category is selected in the picker)"],
  reject_proposal: ["Shift+Delete", "Reject the proposal (hidden for you), or restore a rejected one"],
  undo: ["Ctrl+z", "Undo"],
  redo: ["Ctrl+y", "Redo"],
  cancel: ["Escape", "Cancel the mark / deselect"],
  guidelines: ["Ctrl+i", "Show the guidelines"],
  help: ["?", "Show this help"],
};

const MODIFIER_KEYS = new Set(["Shift", "Control", "Alt", "Meta"]);

/**
 * The name of a key press: "Ctrl+Shift+ArrowLeft", "[", "?", "a". A printable character already
 * says whether Shift was held ("{" vs "["), so Shift is only named for non-printable keys.
 */
export function keyName(event) {
  if (MODIFIER_KEYS.has(event.key)) return "";
  const printable = event.key.length === 1;
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  if (event.shiftKey && !printable) parts.push("Shift");
  let key = event.key;
  // With Ctrl held, letters keep their case-insensitive name so "Ctrl+z" matches with Caps Lock.
  if (printable && parts.length) key = key.toLowerCase();
  if (event.shiftKey && printable && parts.length && /[a-z]/.test(key)) parts.push("Shift");
  parts.push(key);
  return parts.join("+");
}

/** How a key is shown to people ("Space" rather than " "). */
export function displayKey(name) {
  if (!name) return "—";
  return name
    .replace(/(^|\+) $/, "$1Space")
    .replace("ArrowLeft", "←")
    .replace("ArrowRight", "→")
    .replace("ArrowUp", "↑")
    .replace("ArrowDown", "↓");
}

export class Keymap {
  /** `overrides`: action → key from the server; `categoryKeys`: hotkeys taken by categories. */
  constructor(overrides = {}, categoryKeys = []) {
    this.categoryKeys = new Set(categoryKeys.map((k) => k.toLowerCase()));
    this.setOverrides(overrides);
  }

  setOverrides(overrides) {
    this.overrides = {};
    for (const [action, key] of Object.entries(overrides || {})) {
      if (action in ACTIONS && key) this.overrides[action] = key;
    }
    this.byKey = new Map();
    for (const action of Object.keys(ACTIONS)) this.byKey.set(this.key(action), action);
  }

  key(action) {
    return this.overrides[action] || (ACTIONS[action] || [""])[0];
  }

  /** The command bound to this key press, or null. */
  action(event) {
    const name = keyName(event);
    if (!name) return null;
    return this.byKey.get(name) || (name === "Ctrl+Shift+z" ? "redo" : null);
  }

  /** Why `key` cannot be bound to `action` (a sentence), or "" when it can. */
  conflict(action, key) {
    if (!key) return "";
    if (this.categoryKeys.has(key.toLowerCase())) return `${displayKey(key)} is a category key.`;
    for (const other of Object.keys(ACTIONS)) {
      if (other !== action && this.key(other) === key) {
        return `${displayKey(key)} already does "${ACTIONS[other][1]}".`;
      }
    }
    return "";
  }
}
