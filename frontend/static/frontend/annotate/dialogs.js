// The keyboard help, where each command's key can be changed and is saved to the labeler's
// account (the conflict dialog is conflict.js).

import { request } from "../lib/api.js";
import { ACTIONS, displayKey, keyName } from "./keymap.js";

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
