// Keeping a tab that sat idle in step with edits made elsewhere (another tab or browser).
//
// The page reads its segments again when it comes back into view and every half minute. A
// segment this tab has not touched takes the server's newer version; one deleted elsewhere stays
// on screen, marked "Deleted elsewhere", until the labeler deletes it here too or restores it;
// a segment made elsewhere appears. Segments with unsent edits here are left alone: sending them
// meets the server's version and opens the conflict dialog.

import { getAll } from "../lib/api.js";
import { fromServer, isDirty, snapshot } from "./store.js";

const EVERY_MS = 30_000;

/** Lay the server's segments over the store's records; true when anything changed. */
export function reconcile(store, serverSegments) {
  let changed = false;
  for (const s of serverSegments) {
    const server = fromServer(s);
    const rec = store.records.get(s.client_uuid);
    if (!rec) {
      if (server.deleted || store.tombstones.has(s.client_uuid)) continue;
      store.records.set(s.client_uuid, {
        uuid: s.client_uuid, ...snapshot(server), deleted: false, server,
        edited: 0, warnings: [], error: "", rejected: null, conflict: null, origin: s.proposal_origin || null,
      });
      changed = true;
      continue;
    }
    if (isDirty(rec) || rec.conflict || !rec.server || server.version <= rec.server.version) continue;
    if (server.deleted) {
      if (!rec.goneElsewhere) {
        rec.goneElsewhere = server;
        changed = true;
      }
      continue;
    }
    Object.assign(rec, snapshot(server), { server, goneElsewhere: null });
    changed = true;
  }
  if (changed) store.changed("refresh");
  return changed;
}

/** Dismiss a segment deleted elsewhere (it is already deleted on the server). */
export function dismissGone(store, uuid) {
  const rec = store.get(uuid);
  if (!rec || !rec.goneElsewhere) return;
  store.records.delete(uuid);
  store.tombstones.add(uuid);
  store.changed("refresh");
}

/** Keep a segment deleted elsewhere: it is saved again as a new segment (one undo step). */
export function restoreGone(store, uuid) {
  const rec = store.get(uuid);
  if (!rec || !rec.goneElsewhere) return uuid;
  store.records.delete(uuid);
  store.tombstones.add(uuid);
  return store.create({ ...snapshot(rec), origin: rec.origin }); // still began as its proposal
}

/** Re-reads the assignment's segments when the page is shown again and every half minute. */
export class StaleWatcher {
  constructor(store, syncer) {
    this.store = store;
    this.syncer = syncer;
    this.running = false;
    const check = () => this.check();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") check();
    });
    window.addEventListener("focus", check);
    setInterval(check, EVERY_MS);
  }

  async check() {
    if (this.running || !this.syncer.idle) return;
    this.running = true;
    try {
      const segments = await getAll("segments/", { assignment: this.store.assignmentId, page_size: 1000 });
      // An edit made while the request was out is newer than what it brought back.
      if (this.syncer.idle) reconcile(this.store, segments);
    } catch {
      /* offline: the next check tries again */
    } finally {
      this.running = false;
    }
  }
}
