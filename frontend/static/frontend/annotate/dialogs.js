// The workspace's two other dialogs: a stale-write conflict (both versions side by side) and the
// keyboard help, where each command's key can be changed and is saved to the labeler's account.

import { request } from "../lib/api.js";
import { ACTIONS, displayKey, keyName } from "./keymap.js";

export function describe(fields, categories) {
  if (!fields || fields.deleted) return "Deleted";
  const cat = categories.get(fields.code);
  return `[${fields.start}, ${fields.end}] C${fields.code}${cat ? ` ${cat.name}` : ""}`;
}

/** Shows one conflict at a time; resolves each through `store.resolve`. */
export class ConflictDialog {
  constructor(dialog, store, categories) {
    this.dialog = dialog;
    this.store = store;
    this.categories = categories;
    this.uuid = null;
    dialog.querySelector("#conflict-keep-mine").addEventListener("click", () => this.answer(true));
    dialog.querySelector("#conflict-take-theirs").addEventListener("click", () => this.answer(false));
    // Escape must not dismiss it: the labeler has to choose, or the edit would hang unsent.
    dialog.addEventListener("cancel", (event) => event.preventDefault());
  }

  /** Open for the next unresolved conflict, if any and none is showing. */
  next() {
    if (this.dialog.open) return;
    const rec = [...this.store.records.values()].find((r) => r.conflict);
    if (!rec) return;
    this.uuid = rec.uuid;
    this.dialog.querySelector("#conflict-mine").textContent = describe(rec.deleted ? null : rec, this.categories);
    this.dialog.querySelector("#conflict-theirs").textContent = describe(rec.conflict, this.categories);
    this.dialog.showModal();
  }

  answer(keepMine) {
    const uuid = this.uuid;
    this.uuid = null;
    this.dialog.close();
    this.store.resolve(uuid, keepMine);
    this.next();
  }
}

/** The `?` overlay: every command with its key; click a key, press the new one, it is saved. */
export class HelpDialog {
  constructor(dialog, keymap, onChange) {
    this.dialog = dialog;
    this.keymap = keymap;
    this.onChange = onChange;
    this.table = dialog.querySelector("#help-table");
    this.error = dialog.querySelector("#help-error");
    this.capturing = null;
    dialog.querySelector("#help-close").addEventListener("click", () => dialog.close());
    dialog.querySelector("#help-reset").addEventListener("click", () => this.save({}));
    dialog.addEventListener("keydown", (event) => this.onKey(event), true);
    this.table.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      this.capturing = button.dataset.action;
      button.textContent = "press a key…";
    });
  }

  open() {
    this.render();
    this.error.hidden = true;
    this.dialog.showModal();
  }

  render() {
    const rows = Object.entries(ACTIONS).map(([action, [, text]]) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = text;
      const td = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "key";
      button.dataset.action = action;
      button.textContent = displayKey(this.keymap.key(action));
      td.append(button);
      tr.append(th, td);
      return tr;
    });
    this.table.tBodies[0].replaceChildren(...rows);
  }

  onKey(event) {
    if (!this.capturing) return;
    const name = keyName(event);
    if (!name) return;
    event.preventDefault();
    event.stopPropagation();
    const action = this.capturing;
    this.capturing = null;
    if (name === "Escape") {
      this.render();
      return;
    }
    const problem = this.keymap.conflict(action, name);
    if (problem) {
      this.showError(problem);
      this.render();
      return;
    }
    this.save({ ...this.keymap.overrides, [action]: name });
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  async save(overrides) {
    try {
      const body = await request("me/shortcuts/", { method: "PUT", json: { shortcuts: overrides } });
      this.keymap.setOverrides(body.shortcuts);
      this.showError("");
      this.onChange();
    } catch (err) {
      this.showError(`Could not save your keys: ${err.message}`);
    }
    this.render();
  }
}
