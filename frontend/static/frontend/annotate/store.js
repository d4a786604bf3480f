// The labeler's segments as the screen shows them, beside what the server last confirmed.
//
// Every record keeps both: the local fields (what the labeler sees and edits) and `server`, the
// last state the server acknowledged (with its version). A record is "dirty" while the two
// differ; the syncer (sync.js) sends dirty records until they match. Dirty records are written
// to localStorage after each edit, so a reload, a crash or a lost network loses nothing.

// What the labeler edits: the bounds and category, and their notes for the reviewer (a
// comment, "unsure", and "this overlap of its category is intended").
export const BOUNDS = ["start", "end", "code"];
export const FIELDS = [...BOUNDS, "comment", "unsure", "confirmed"];

export class RuleError extends Error {}

export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The edited fields of a record (notes default to empty: records kept by older pages lack them). */
export const snapshot = (r) => (r ? {
  start: r.start, end: r.end, code: r.code,
  comment: r.comment || "", unsure: !!r.unsure, confirmed: !!r.confirmed,
} : null);
const norm = (r, f) => (f === "comment" ? r[f] || "" : f === "unsure" || f === "confirmed" ? !!r[f] : r[f]);
export const sameFields = (a, b) => !!a && !!b && FIELDS.every((f) => norm(a, f) === norm(b, f));
const sameBounds = (a, b) => BOUNDS.every((f) => a[f] === b[f]);

/** The server's JSON for a segment → the `server` part of a record. */
export function fromServer(s) {
  return {
    start: s.start_frame,
    end: s.end_frame,
    code: s.category_code,
    comment: s.comment || "",
    unsure: !!s.unsure,
    confirmed: !!s.overlap_confirmed,
    version: s.version,
    deleted: !!s.is_deleted,
  };
}

export function isDirty(r) {
  if (!r.server) return !r.deleted;
  if (r.deleted) return !r.server.deleted;
  return r.server.deleted || !sameFields(r, r.server);
}

/** Dirty, and neither waiting for the labeler (conflict) nor refused as it stands. */
export function isSendable(r) {
  if (!isDirty(r) || r.conflict) return false;
  return !(r.rejected && sameFields(r, r.rejected) && !!r.deleted === !!r.rejected.deleted);
}

export class SegmentStore extends EventTarget {
  constructor({ assignmentId, numFrames, categories }) {
    super();
    this.assignmentId = assignmentId;
    this.numFrames = numFrames;
    this.categories = new Map(categories.map((c) => [c.code, c]));
    this.records = new Map();
    this.undoStack = [];
    this.redoStack = [];
    this.clock = 0;
    this.tombstones = new Set(); // uuids deleted on the server: a revived segment needs a new one
  }

  changed(reason, uuid = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { reason, uuid } }));
  }

  /** Start from the server's segments, then lay the locally kept unsent edits over them. */
  load(serverSegments, kept = []) {
    this.records.clear();
    for (const s of serverSegments) {
      const server = fromServer(s);
      this.records.set(s.client_uuid, {
        uuid: s.client_uuid, ...snapshot(server), deleted: server.deleted, server,
        edited: 0, warnings: [], error: "", rejected: null, conflict: null, origin: s.proposal_origin || null,
      });
    }
    for (const k of kept) this.adopt(k);
    this.changed("load");
  }

  /** Merge one kept record (from localStorage) with what the server now says. */
  adopt(kept) {
    const current = this.records.get(kept.uuid);
    const rec = { warnings: [], error: "", rejected: null, conflict: null, ...kept };
    rec.edited = ++this.clock;
    if (!current) {
      if (rec.server && !rec.deleted) {
        // The server knew it once but no longer lists it: someone deleted it. Keep ours as new.
        rec.conflict = { ...rec.server, deleted: true, version: rec.server.version };
      }
      if (rec.server || !rec.deleted) this.records.set(rec.uuid, rec);
      return;
    }
    const server = current.server;
    const agrees = sameFields(rec, server) && !!rec.deleted === server.deleted;
    if (agrees) return; // already saved (the response was lost, or another tab sent it)
    if (!rec.server || rec.server.version !== server.version) {
      // Changed on the server since this edit was made; rec.server stays the version both
      // started from, so the conflict dialog can merge field by field.
      rec.conflict = server;
    } else {
      rec.server = server;
    }
    this.records.set(rec.uuid, rec);
  }

  get(uuid) {
    return this.records.get(uuid) || null;
  }

  /** Visible segments (not deleted), by start, then end, then category. */
  list() {
    return [...this.records.values()]
      .filter((r) => !r.deleted)
      .sort((a, b) => a.start - b.start || a.end - b.end || a.code - b.code);
  }

  dirty() {
    return [...this.records.values()].filter(isDirty).sort((a, b) => a.edited - b.edited);
  }

  /** What must survive a reload: every record not yet in agreement with the server. */
  unsent() {
    return this.dirty().map((r) => ({
      uuid: r.uuid, ...snapshot(r), deleted: !!r.deleted,
      server: r.server, error: r.error, rejected: r.rejected, origin: r.origin || null,
    }));
  }

  problems() {
    return [...this.records.values()].filter((r) => isDirty(r) && (r.conflict || r.error));
  }

  /** Segments another tab or browser deleted that this page still shows (see refresh()). */
  gone() {
    return this.list().filter((r) => r.goneElsewhere);
  }

  /** The client-side copy of docs/design.md §5's rules; the server checks them again. */
  validate(fields, exceptUuid = null) {
    const { start, end, code } = fields;
    if (!Number.isInteger(start) || !Number.isInteger(end)) throw new RuleError("Frames must be whole numbers.");
    if (start < 0 || end < 0) throw new RuleError("Frames are 0-based and cannot be negative.");
    if (start > end) throw new RuleError(`The start frame ${start} is after the end frame ${end}.`);
    if (this.numFrames && end >= this.numFrames) {
      throw new RuleError(`The end frame ${end} is outside the video (frames 0..${this.numFrames - 1}).`);
    }
    if (!this.categories.has(code)) throw new RuleError(`Category ${code} is not in this project's taxonomy.`);
    for (const r of this.list()) {
      if (r.uuid !== exceptUuid && sameBounds(r, fields)) {
        throw new RuleError(`An identical segment [${start}, ${end}] of C${code} exists.`);
      }
    }
  }

  /** Other live segments of the same category that overlap this one (docs/design.md §5: flag them). */
  sameCategoryOverlaps(rec) {
    return this.list().filter(
      (r) => r.uuid !== rec.uuid && r.code === rec.code && r.start <= rec.end && r.end >= rec.start,
    );
  }

  // ---- edits: each one is applied locally at once and recorded for undo ----

  apply(uuid, after, { record = true } = {}) {
    const rec = this.records.get(uuid);
    const before = rec && !rec.deleted ? snapshot(rec) : null;
    if (after) this.validate(after, uuid);
    const target = this.write(uuid, after);
    if (record) {
      this.undoStack.push([{ uuid: target, before, after }]);
      this.redoStack = [];
    }
    this.changed("edit", target);
    return target;
  }

  /** Set `uuid` to `fields` (null = deleted); returns the uuid now holding it. */
  write(uuid, fields) {
    let rec = this.records.get(uuid);
    const gone = rec ? rec.deleted && rec.server && rec.server.deleted : this.tombstones.has(uuid);
    if (fields && gone) {
      // A deleted segment stays deleted on the server: bring it back as a new one.
      const fresh = newUuid();
      this.renameInHistory(uuid, fresh);
      uuid = fresh;
      rec = null;
    }
    if (!rec) {
      if (!fields) return uuid;
      rec = { uuid, server: null, warnings: [], error: "", rejected: null, conflict: null };
      this.records.set(uuid, rec);
    }
    if (fields) Object.assign(rec, snapshot(fields), { deleted: false });
    else rec.deleted = true;
    if (fields && fields.origin) rec.origin = fields.origin; // an accepted proposal (proposals.js)
    rec.edited = ++this.clock;
    rec.error = "";
    if (!rec.server && rec.deleted) this.records.delete(uuid);
    return uuid;
  }

  renameInHistory(from, to) {
    for (const stack of [this.undoStack, this.redoStack]) {
      for (const entry of stack) for (const op of entry) if (op.uuid === from) op.uuid = to;
    }
  }

  create(fields) {
    return this.apply(newUuid(), fields);
  }

  update(uuid, fields) {
    const rec = this.records.get(uuid);
    if (!rec || rec.deleted) throw new RuleError("That segment no longer exists.");
    const after = { ...snapshot(rec), ...fields };
    // A confirmed overlap was confirmed for these bounds and this category: new ones ask again.
    if (!("confirmed" in fields) && !sameBounds(after, rec)) after.confirmed = false;
    if (sameFields(after, rec)) return uuid;
    return this.apply(uuid, after);
  }

  remove(uuid) {
    const rec = this.records.get(uuid);
    if (!rec || rec.deleted) return;
    this.apply(uuid, null);
  }

  /** Cut one segment in two at `frame`: [start, frame-1] and [frame, end], one undo step. */
  split(uuid, frame) {
    const rec = this.records.get(uuid);
    if (!rec || rec.deleted) throw new RuleError("Select a segment to split.");
    if (frame <= rec.start || frame > rec.end) {
      throw new RuleError(`Put the playhead inside the segment (frames ${rec.start + 1}..${rec.end}) to split it.`);
    }
    const before = snapshot(rec);
    const left = { ...before, end: frame - 1 };
    const right = { ...before, start: frame };
    this.validate(left, uuid);
    this.write(uuid, left);
    const second = newUuid();
    this.validate(right);
    this.write(second, right);
    this.undoStack.push([{ uuid, before, after: left }, { uuid: second, before: null, after: right }]);
    this.redoStack = [];
    this.changed("edit", second);
    return second;
  }

  /**
   * Merge the segment with every live segment of its category that overlaps or touches it
   * (one frame apart at most): one segment over their union, the others deleted, one undo step.
   * Returns the merged segment's uuid.
   */
  merge(uuid) {
    const rec = this.records.get(uuid);
    if (!rec || rec.deleted) throw new RuleError("Select a segment to merge.");
    const others = this.list().filter(
      (r) => r.uuid !== uuid && r.code === rec.code && r.start <= rec.end + 1 && r.end >= rec.start - 1,
    );
    if (!others.length) {
      throw new RuleError(`No other C${rec.code} segment overlaps or touches [${rec.start}, ${rec.end}]: nothing to merge.`);
    }
    const before = snapshot(rec);
    const notes = [rec, ...others].map((r) => r.comment).filter(Boolean);
    const after = {
      ...before,
      start: Math.min(rec.start, ...others.map((r) => r.start)),
      end: Math.max(rec.end, ...others.map((r) => r.end)),
      comment: [...new Set(notes)].join(" / "),
      unsure: [rec, ...others].some((r) => r.unsure),
      confirmed: false,
    };
    const ops = others.map((r) => ({ uuid: r.uuid, before: snapshot(r), after: null }));
    for (const op of ops) this.write(op.uuid, null);
    this.validate(after, uuid);
    this.write(uuid, after);
    this.undoStack.push([...ops, { uuid, before, after }]);
    this.redoStack = [];
    this.changed("edit", uuid);
    return uuid;
  }

  /** A copy of the segment (same length, category and notes) starting at `frame`. */
  duplicate(uuid, frame) {
    const rec = this.records.get(uuid);
    if (!rec || rec.deleted) throw new RuleError("Select a segment to duplicate.");
    const length = rec.end - rec.start;
    const start = Math.min(frame, this.numFrames - 1 - length);
    if (start < 0) throw new RuleError("The segment is longer than the video.");
    return this.create({ ...snapshot(rec), start, end: start + length, confirmed: false });
  }

  undo() {
    return this.replay(this.undoStack, this.redoStack, "before");
  }

  redo() {
    return this.replay(this.redoStack, this.undoStack, "after");
  }

  /** Apply the newest entry of `from` (each op's `use` side: "before" undoes, "after" redoes). */
  replay(from, to, use) {
    const entry = from.pop();
    if (!entry) return null;
    let last = null;
    try {
      // Undo walks the entry's ops backwards, redo forwards (a split is an update then a create).
      for (const op of use === "before" ? [...entry].reverse() : entry) {
        if (op[use]) this.validate(op[use], op.uuid);
        op.uuid = this.write(op.uuid, op[use]);
        last = op.uuid;
      }
    } catch (err) {
      from.push(entry);
      throw err;
    }
    to.push(entry);
    this.changed("edit", last);
    return last;
  }

  // ---- what the syncer learns from the server ----

  confirmed(uuid, serverSegment, warnings = []) {
    const rec = this.records.get(uuid);
    if (!rec) return;
    rec.server = fromServer(serverSegment);
    if (serverSegment.proposal_origin) rec.origin = serverSegment.proposal_origin;
    rec.warnings = warnings;
    rec.error = "";
    rec.rejected = null;
    if (rec.server.deleted && rec.deleted) {
      this.records.delete(uuid);
      this.tombstones.add(uuid);
    }
    this.changed("saved", uuid);
  }

  refused(uuid, message) {
    const rec = this.records.get(uuid);
    if (!rec) return;
    rec.error = message;
    rec.rejected = { ...snapshot(rec), deleted: !!rec.deleted };
    this.changed("refused", uuid);
  }

  conflicted(uuid, serverSegment) {
    const rec = this.records.get(uuid);
    if (!rec) return;
    rec.conflict = fromServer(serverSegment);
    this.changed("conflict", uuid);
  }

  /**
   * The labeler's answer to a conflict: take the server's version, or keep theirs — with
   * `values`, the fields chosen one by one (conflict.js merges the two versions field by field).
   */
  resolve(uuid, keepMine, values = null) {
    const rec = this.records.get(uuid);
    if (!rec || !rec.conflict) return uuid;
    const theirs = rec.conflict;
    if (keepMine && values && !rec.deleted) {
      const merged = { ...snapshot(rec), ...values };
      this.validate(merged, uuid);
      Object.assign(rec, merged);
    }
    rec.conflict = null;
    if (!keepMine) {
      rec.server = theirs;
      Object.assign(rec, snapshot(theirs), { deleted: theirs.deleted, error: "", rejected: null });
      if (theirs.deleted) {
        this.records.delete(uuid);
        this.tombstones.add(uuid);
      }
      this.changed("resolved", uuid);
      return uuid;
    }
    rec.server = theirs;
    rec.edited = ++this.clock;
    if (theirs.deleted && !rec.deleted) {
      // Theirs deleted it; ours lives on as a new segment (the old one cannot be revived).
      this.records.delete(uuid);
      const fresh = newUuid();
      this.renameInHistory(uuid, fresh);
      this.records.set(fresh, { ...rec, uuid: fresh, server: null });
      uuid = fresh;
    }
    this.changed("resolved", uuid);
    return uuid;
  }
}
