// The segment list beside the player: sortable, click a row to select the segment and go to its
// start; each row says whether the segment is saved and shows what the server said about it.

import { isDirty } from "./store.js";

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
};

/**
 * A record's save state: [machine state, a short word for the list, the full sentence]. The
 * list shows the word (so the category keeps its width); the details card shows the sentence.
 */
export function saveState(rec, syncer, overlaps) {
  if (rec.goneElsewhere) return ["gone", "Deleted elsewhere", "Deleted in another tab or browser: delete it here too, or restore it."];
  if (rec.conflict) return ["conflict", "Conflict", "Changed elsewhere: choose a version"];
  if (rec.error) return ["error", "Refused", rec.error];
  if (isDirty(rec)) {
    return syncer.offline ? ["offline", "Kept here", "Kept here, not sent yet"] : ["saving", "Saving…", "Saving…"];
  }
  const warning = (rec.warnings || []).find((w) => w.startsWith("same_category_overlap"));
  if ((overlaps.length || warning) && !rec.confirmed) {
    return ["warning", "Overlap", `Overlaps another C${rec.code}: merge them (Ctrl+M) or confirm the overlap is intended.`];
  }
  if (overlaps.length && rec.confirmed) return ["saved", "Saved", `Saved · overlap with another C${rec.code} confirmed as intended`];
  return ["saved", "Saved", "Saved"];
}

export class SegmentList extends EventTarget {
  constructor(table, empty, countEl, categories) {
    super();
    this.table = table;
    this.empty = empty;
    this.countEl = countEl;
    this.categories = new Map(categories.map((c) => [c.code, c]));
    this.sort = { key: "start_frame", dir: 1 };
    this.rows = [];
    table.tHead.addEventListener("click", (event) => {
      const button = event.target.closest("button.sort");
      if (!button) return;
      const key = button.dataset.sort;
      this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
      this.dispatchEvent(new CustomEvent("resort"));
    });
    table.tBodies[0].addEventListener("click", (event) => {
      const row = event.target.closest("tr[data-uuid]");
      if (row) this.dispatchEvent(new CustomEvent("pick", { detail: { uuid: row.dataset.uuid } }));
    });
  }

  sortValue(rec) {
    switch (this.sort.key) {
      case "end_frame":
        return rec.end;
      case "length":
        return rec.end - rec.start + 1;
      case "category_code":
        return rec.code;
      default:
        return rec.start;
    }
  }

  render(records, selected, syncer, overlapsOf) {
    const sorted = [...records].sort(
      (a, b) => (this.sortValue(a) - this.sortValue(b)) * this.sort.dir || a.start - b.start,
    );
    for (const th of this.table.tHead.querySelectorAll("button.sort")) {
      const active = th.dataset.sort === this.sort.key;
      th.parentElement.setAttribute("aria-sort", active ? (this.sort.dir > 0 ? "ascending" : "descending") : "none");
    }
    const rows = sorted.map((rec) => {
      const cat = this.categories.get(rec.code);
      const [state, word, sentence] = saveState(rec, syncer, overlapsOf(rec));
      const tr = el("tr", { "data-uuid": rec.uuid, "data-state": state });
      if (rec.uuid === selected) tr.classList.add("selected");
      const marks = [rec.unsure ? "?" : "", rec.comment ? "✎" : ""].join("");
      const category = el("td", { class: "seg-cat", title: cat ? cat.description || cat.name : "" }, `C${rec.code} ${cat ? cat.name : "?"}`);
      if (marks) {
        const title = [rec.unsure ? "unsure" : "", rec.comment].filter(Boolean).join(": ");
        category.append(el("span", { class: "seg-marks", title }, ` ${marks}`));
      }
      tr.append(
        el("td", { class: "num" }, String(rec.start)),
        el("td", { class: "num" }, String(rec.end)),
        el("td", { class: "num" }, String(rec.end - rec.start + 1)),
        category,
        el("td", { class: `seg-state ${state}`, title: sentence }, word),
      );
      return tr;
    });
    this.table.tBodies[0].replaceChildren(...rows);
    this.empty.hidden = rows.length > 0;
    this.countEl.textContent = `(${rows.length})`;
    const current = this.table.tBodies[0].querySelector("tr.selected");
    if (current) current.scrollIntoView({ block: "nearest" });
  }
}
