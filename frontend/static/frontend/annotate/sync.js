// Sends the store's unsent edits to the API, one request at a time, oldest edit first, and keeps
// them in localStorage until the server has them.
//
// - Creates are idempotent by client uuid, so a POST whose answer was lost is simply re-sent.
// - Updates and deletes carry the version the server last gave us; a 409 means the segment was
//   changed elsewhere (another tab): the record is parked as a conflict for the labeler, unless
//   the server already holds exactly our edit (our own earlier try got through).
// - A refused edit (400) keeps the labeler's fields and shows the server's message on it.
// - Network errors and 5xx retry with backoff, and at once when the browser is back online.

import { ApiError, request } from "../lib/api.js";
import { fromServer, isSendable, sameFields, snapshot } from "./store.js";

const ORPHAN_AFTER_MS = 20_000; // a tab that has not beaten its heart for this long is gone
const HEARTBEAT_MS = 5_000;
const PREFIX = "mgstudio:unsent:";

/** Unsent edits in localStorage, one key per tab (two tabs must not overwrite each other). */
export class LocalKeeper {
  constructor(assignmentId) {
    this.assignmentId = assignmentId;
    let tab = sessionStorage.getItem("mgstudio:tab");
    if (!tab) {
      tab = Math.random().toString(36).slice(2, 10);
      sessionStorage.setItem("mgstudio:tab", tab); // survives a reload of this tab
    }
    this.key = `${PREFIX}${assignmentId}:${tab}`;
  }

  /** This tab's edits plus those of closed tabs; the latter are taken over (and their keys removed). */
  takeKept() {
    const kept = [];
    const now = Date.now();
    for (let i = localStorage.length - 1; i >= 0; i -= 1) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(`${PREFIX}${this.assignmentId}:`)) continue;
      let value;
      try {
        value = JSON.parse(localStorage.getItem(key));
      } catch {
        continue;
      }
      if (key !== this.key && now - (value.heartbeat || 0) < ORPHAN_AFTER_MS) continue;
      kept.push(...(value.records || []));
      if (key !== this.key) localStorage.removeItem(key);
    }
    return kept;
  }

  save(records) {
    try {
      if (records.length) {
        localStorage.setItem(this.key, JSON.stringify({ heartbeat: Date.now(), records }));
      } else {
        localStorage.removeItem(this.key);
      }
      return true;
    } catch {
      return false; // storage full or disabled: the page warns through the sync status
    }
  }

  beat() {
    const raw = localStorage.getItem(this.key);
    if (!raw) return;
    try {
      const value = JSON.parse(raw);
      value.heartbeat = Date.now();
      localStorage.setItem(this.key, JSON.stringify(value));
    } catch {
      /* a corrupt entry is rewritten by the next save */
    }
  }
}

export class Syncer extends EventTarget {
  constructor(store, keeper) {
    super();
    this.store = store;
    this.keeper = keeper;
    this.busy = false;
    this.offline = false;
    this.delay = 0;
    this.timer = null;
    this.stored = true;
    this.fatal = "";
    store.addEventListener("change", () => this.persistAndKick());
    window.addEventListener("online", () => this.retryNow());
    setInterval(() => this.keeper.beat(), HEARTBEAT_MS);
  }

  persistAndKick() {
    this.stored = this.keeper.save(this.store.unsent());
    this.status();
    this.kick();
  }

  retryNow() {
    clearTimeout(this.timer);
    this.timer = null;
    this.delay = 0;
    this.kick();
  }

  kick() {
    if (this.busy || this.timer || this.fatal) return;
    const next = this.store.dirty().find(isSendable);
    if (!next) {
      this.status();
      return;
    }
    this.busy = true;
    this.status();
    this.send(next)
      .then(() => {
        this.offline = false;
        this.delay = 0;
      })
      .catch((err) => this.failed(err))
      .finally(() => {
        this.busy = false;
        this.persistAndKick();
      });
  }

  failed(err) {
    if (err instanceof ApiError && !err.transient) {
      this.fatal = err.message; // e.g. signed out (403): retrying cannot help
      this.status();
      return;
    }
    this.offline = true;
    this.delay = Math.min(15_000, this.delay ? this.delay * 2 : 1_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.delay);
  }

  async send(rec) {
    const uuid = rec.uuid;
    const intended = { ...snapshot(rec), deleted: !!rec.deleted };
    const notes = { comment: intended.comment, unsure: intended.unsure, overlap_confirmed: intended.confirmed };
    try {
      if (!rec.server) {
        const body = await request("segments/", {
          method: "POST",
          json: {
            client_uuid: uuid,
            assignment: this.store.assignmentId,
            start_frame: rec.start,
            end_frame: rec.end,
            category_code: rec.code,
            ...notes,
            proposal: rec.origin ? rec.origin.proposal : undefined, // it began as this proposal
          },
        });
        this.store.confirmed(uuid, body, body.warnings || []);
      } else if (rec.deleted) {
        const body = await request(`segments/${uuid}/`, {
          method: "DELETE",
          query: { version: rec.server.version },
        });
        this.store.confirmed(uuid, body);
      } else {
        const body = await request(`segments/${uuid}/`, {
          method: "PATCH",
          json: {
            version: rec.server.version,
            start_frame: rec.start,
            end_frame: rec.end,
            category_code: rec.code,
            ...notes,
          },
        });
        this.store.confirmed(uuid, body, body.warnings || []);
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 409 && err.data && err.data.current) {
        const current = fromServer(err.data.current);
        const landed = intended.deleted
          ? current.deleted
          : !current.deleted && sameFields(current, intended);
        if (landed) this.store.confirmed(uuid, err.data.current);
        else this.store.conflicted(uuid, err.data.current);
        return;
      }
      if (err.status === 400 && err.data && err.data.rule === "deleted") {
        const current = await request(`segments/${uuid}/`);
        this.store.conflicted(uuid, current);
        return;
      }
      if (err.status === 400 || err.status === 404) {
        this.store.refused(uuid, err.message);
        return;
      }
      throw err;
    }
  }

  /** saved | saving | offline | attention | error, with a sentence, for the status badge. */
  state() {
    const pending = this.store.dirty().length;
    const problems = this.store.problems().length;
    if (this.fatal) return ["error", `Not saving: ${this.fatal} Reload the page.`];
    if (!this.stored) return ["error", "Your browser refused to keep unsent edits; stay online."];
    if (this.offline) {
      return ["offline", `Offline: ${pending} edit${pending === 1 ? "" : "s"} kept here, sent when the network is back`];
    }
    if (problems) return ["attention", `${problems} edit${problems === 1 ? "" : "s"} need${problems === 1 ? "s" : ""} your attention`];
    if (pending || this.busy) return ["saving", `Saving… (${pending})`];
    return ["saved", "All changes saved"];
  }

  status() {
    const [state, text] = this.state();
    this.dispatchEvent(new CustomEvent("status", { detail: { state, text } }));
  }

  get idle() {
    return !this.busy && !this.store.dirty().some(isSendable);
  }
}
