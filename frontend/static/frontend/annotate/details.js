// The selected segment's card under the segment list: what it is, its full save state, the
// labeler's notes for the reviewer (a comment, "unsure") and the actions on it — merge with
// overlapping segments of its category, confirm such an overlap as intended, duplicate it at the
// playhead, and restore one deleted elsewhere. The commands themselves are the page's (main.js):
// the card's buttons carry data-action like the toolbar's.

import { $ } from "../lib/dom.js";
import { changesFrom } from "./proposals.js";
import { saveState } from "./seglist.js";

export class SegmentDetails extends EventTarget {
  /** `categories`: code → category. Emits "notes" {uuid, fields} when a note is edited. */
  constructor(categories) {
    super();
    this.categories = categories;
    this.card = $("seg-details");
    this.comment = $("details-comment");
    this.unsure = $("details-unsure");
    this.uuid = null;
    this.shownComment = "";
    const send = (fields) => {
      if (this.uuid) this.dispatchEvent(new CustomEvent("notes", { detail: { uuid: this.uuid, fields } }));
    };
    this.unsure.addEventListener("change", () => {
      send({ unsure: this.unsure.checked });
      this.unsure.blur(); // the page's keys work again at once
    });
    this.comment.addEventListener("change", () => send({ comment: this.comment.value.trim() }));
    this.comment.addEventListener("keydown", (event) => {
      // Enter saves and hands the keys back to the page; Shift+Enter is a new line; Escape
      // leaves the comment as it was.
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.comment.blur();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.comment.value = this.shownComment;
        this.comment.blur();
      }
    });
  }

  /** Show `rec` (null: nothing selected). */
  render(rec, syncer, overlaps, editable) {
    this.card.hidden = !rec;
    this.uuid = rec ? rec.uuid : null;
    if (!rec) return;
    const cat = this.categories.get(rec.code);
    $("details-title").textContent = `[${rec.start}, ${rec.end}] C${rec.code}${cat ? ` ${cat.name}` : ""}`;
    const [state, , sentence] = saveState(rec, syncer, overlaps);
    const line = $("details-state");
    line.textContent = sentence;
    line.className = `small seg-state ${state}`;
    $("details-confirm").hidden = state !== "warning";
    $("details-restore").hidden = state !== "gone";
    // Where it began: a machine proposal, and what the labeler changed of it (docs/design.md §17).
    const origin = $("details-origin");
    origin.hidden = !rec.origin;
    if (rec.origin) {
      const changed = changesFrom(rec);
      origin.textContent = `From proposal #${rec.origin.rank || rec.origin.proposal}: ${
        changed.length ? `${changed.join(", ")} changed` : "as proposed"}`;
    }
    this.unsure.checked = !!rec.unsure;
    if (document.activeElement !== this.comment) this.comment.value = rec.comment || "";
    this.shownComment = rec.comment || "";
    for (const input of this.card.querySelectorAll("input, textarea, button")) input.disabled = !editable;
  }

  focusComment() {
    if (this.card.hidden) return false;
    this.comment.focus();
    return true;
  }
}
