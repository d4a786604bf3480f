// The stale-write conflict dialog: a segment this tab edited was changed elsewhere (another tab
// or browser) since this tab read it. The two versions are merged field by field against the
// version both started from: a field only one side changed takes that side's value, and only
// the fields where the two versions still differ are shown, each with both values and a choice.

import { el } from "../lib/dom.js";
import { snapshot } from "./store.js";

const LABELS = { start: "Start", end: "End", code: "Category", comment: "Comment", unsure: "Unsure", confirmed: "Overlap confirmed" };

/** Each field where `mine` and `theirs` differ: {field, mine, theirs, pick} ("mine" | "theirs"). */
export function fieldChoices(base, mine, theirs) {
  const b = snapshot(base) || {};
  const m = snapshot(mine);
  const t = snapshot(theirs);
  return Object.keys(LABELS)
    .filter((f) => m[f] !== t[f])
    .map((f) => ({ field: f, mine: m[f], theirs: t[f], pick: m[f] === b[f] ? "theirs" : "mine" }));
}

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
    this.choices = [];
    dialog.querySelector("#conflict-save").addEventListener("click", () => this.answer("chosen"));
    dialog.querySelector("#conflict-keep-mine").addEventListener("click", () => this.answer("mine"));
    dialog.querySelector("#conflict-take-theirs").addEventListener("click", () => this.answer("theirs"));
    // Escape must not dismiss it: the labeler has to choose, or the edit would hang unsent.
    dialog.addEventListener("cancel", (event) => event.preventDefault());
  }

  show(value, field) {
    if (field === "code") {
      const cat = this.categories.get(value);
      return `C${value}${cat ? ` ${cat.name}` : ""}`;
    }
    if (field === "unsure" || field === "confirmed") return value ? "yes" : "no";
    if (field === "comment") return value ? `“${value}”` : "(none)";
    return String(value);
  }

  /** Open for the next unresolved conflict, if any and none is showing. */
  next() {
    if (this.dialog.open) return;
    const rec = [...this.store.records.values()].find((r) => r.conflict);
    if (!rec) return;
    this.uuid = rec.uuid;
    const theirs = rec.conflict;
    const table = this.dialog.querySelector("#conflict-fields");
    const whole = rec.deleted || theirs.deleted;
    this.dialog.querySelector("#conflict-mine").textContent = describe(rec.deleted ? null : rec, this.categories);
    this.dialog.querySelector("#conflict-theirs").textContent = describe(theirs, this.categories);
    this.dialog.querySelector("#conflict-whole").hidden = !whole;
    table.hidden = whole;
    this.dialog.querySelector("#conflict-save").hidden = whole;
    this.choices = whole ? [] : fieldChoices(rec.server, rec, theirs);
    table.tBodies[0].replaceChildren(...this.choices.map((c) => {
      const cell = (side) => {
        const input = el("input", { type: "radio", name: `pick-${c.field}`, value: side, checked: c.pick === side });
        input.addEventListener("change", () => (c.pick = side));
        return el("td", {}, el("label", {}, input, " ", this.show(c[side], c.field)));
      };
      return el("tr", { dataset: { field: c.field } }, el("th", { scope: "row", text: LABELS[c.field] }), cell("mine"), cell("theirs"));
    }));
    this.dialog.showModal();
    const first = this.dialog.querySelector(whole ? "#conflict-keep-mine" : "#conflict-save");
    first.focus();
  }

  answer(how) {
    const uuid = this.uuid;
    this.uuid = null;
    this.dialog.close();
    if (how === "theirs") {
      this.store.resolve(uuid, false);
    } else if (how === "mine") {
      this.store.resolve(uuid, true);
    } else {
      const rec = this.store.get(uuid);
      const values = rec && rec.conflict ? snapshot(rec.conflict) : {};
      for (const c of this.choices) values[c.field] = c.pick === "mine" ? c.mine : c.theirs;
      this.store.resolve(uuid, true, values);
    }
    this.next();
  }
}
