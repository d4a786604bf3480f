// Submitting a video: refused while a segment is half-marked or an edit needs the labeler;
// waits for edits still being saved (a click during a save is not lost), asks to confirm with a
// summary, then offers the next video of the queue. Reopening is the way back.

import { getAll, post } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { nextUp } from "../lib/queue_order.js";
import { urlWithId } from "../lib/urls.js";

const SAVE_WAIT_MS = 20_000;

/** Resolves once nothing is unsent; rejects when saving stops for a reason a wait cannot cure. */
function saved(syncer, store) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const [state] = syncer.state();
      if (state === "saved" && syncer.idle && !syncer.busy && !store.dirty().length) return finish(resolve);
      if (state === "offline" || state === "attention" || state === "error") {
        return finish(() => reject(new Error("Some edits are not saved yet: wait until all changes are saved.")));
      }
      return null;
    };
    const timer = setTimeout(() => finish(() => reject(new Error("Saving takes too long; try again."))), SAVE_WAIT_MS);
    const finish = (then) => {
      clearTimeout(timer);
      syncer.removeEventListener("status", check);
      then();
      return true;
    };
    syncer.addEventListener("status", check);
    check();
  });
}

export class Submitter {
  /**
   * @param {object} page  assignmentId, store, syncer, ui (markStart, state), notice(text, kind),
   *   onState(state): the page shows the assignment's new state
   */
  constructor(page) {
    this.page = page;
    this.dialog = $("submit-dialog");
    this.busy = false;
    $("submit-cancel").addEventListener("click", () => this.dialog.close("cancel"));
    $("submit-confirm").addEventListener("click", () => this.dialog.close("submit"));
  }

  refusal() {
    const { ui, store } = this.page;
    if (ui.markStart !== null) return "Finish the segment you started (press ]) or cancel it (Esc) first.";
    if (store.problems().length) return "Some edits need your attention before submitting.";
    if (store.gone().length) return "A segment was deleted in another tab: delete it here too, or restore it.";
    return "";
  }

  confirm() {
    const { store } = this.page;
    const list = store.list();
    const unsure = list.filter((r) => r.unsure).length;
    const noted = list.filter((r) => r.comment).length;
    const parts = [`${list.length} segment${list.length === 1 ? "" : "s"}`];
    if (unsure) parts.push(`${unsure} marked unsure`);
    if (noted) parts.push(`${noted} with a comment`);
    $("submit-summary").textContent = `${parts.join(", ")}.`;
    this.dialog.returnValue = "";
    this.dialog.showModal();
    $("submit-confirm").focus();
    return new Promise((resolve) => {
      this.dialog.addEventListener("close", () => resolve(this.dialog.returnValue === "submit"), { once: true });
    });
  }

  async submit() {
    if (this.busy) return;
    const { store, syncer, notice } = this.page;
    const refused = this.refusal();
    if (refused) return notice(refused, "error");
    this.busy = true;
    try {
      if (store.dirty().length || syncer.busy) {
        notice("Waiting for the last edits to be saved…");
        await saved(syncer, store);
        notice("");
      }
      if (!(await this.confirm())) return;
      // Edits made while the dialog was open are saved first, too.
      if (store.dirty().length || syncer.busy) await saved(syncer, store);
      const body = await post(`assignments/${this.page.assignmentId}/submit/`);
      this.page.onState(body.state);
      notice("Submitted. You can reopen it until review starts.");
      await this.offerNext();
    } catch (err) {
      notice(`Could not submit: ${err.message}`, "error");
    } finally {
      this.busy = false;
    }
  }

  /** Point the "Next video" link at the queue's next video and give it the focus. */
  async offerNext() {
    const link = $("next-video");
    try {
      const items = await getAll("assignments/", { page_size: 200 });
      const next = nextUp(items.filter((a) => a.id !== this.page.assignmentId));
      if (!next) {
        link.textContent = "Queue done: back to the queue";
        link.href = link.dataset.queueUrl;
      } else {
        link.textContent = `Next video: ${next.video.external_id}${next.is_training ? " (training)" : ""} →`;
        link.href = urlWithId(link.dataset.annotateUrl, next.id);
      }
      link.hidden = false;
      link.focus();
    } catch {
      /* the queue link in the crumbs still leads on */
    }
  }

  async reopen() {
    try {
      const body = await post(`assignments/${this.page.assignmentId}/reopen/`);
      $("next-video").hidden = true;
      this.page.onState(body.state);
      this.page.notice("Reopened for editing.");
    } catch (err) {
      this.page.notice(`Could not reopen: ${err.message}`, "error");
    }
  }
}
