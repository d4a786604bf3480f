// Machine proposals in the workspace (docs/design.md §17): where the video's poses suggest a
// micro-gesture, drawn as ghost bars in a lane of their own. The labeler jumps from one to the
// next, accepts one (it becomes an ordinary segment, saved like any other, that records the
// proposal it began as), adjusts it with the normal edits, or rejects it: a rejection is kept
// on the server and hides the proposal for this labeler only.
//
// This module holds the proposals and the labeler's focus among them; the page (main.js) draws
// its bars and runs its commands.

import { request } from "../lib/api.js";

/** The proposals' lane, drawn above the category lanes. */
export const PROPOSAL_LANE = { name: "Proposals", colour: "#64748b" };
const PREFIX = "p:";

/** The proposal id a timeline bar's uuid names, or null for a segment's bar. */
export function proposalIdOf(uuid) {
  return typeof uuid === "string" && uuid.startsWith(PREFIX) ? Number(uuid.slice(PREFIX.length)) : null;
}

/** What a segment changed of the proposal it began as: ["start", "end", "category"]. */
export function changesFrom(rec) {
  const o = rec.origin;
  if (!o || o.start_frame === undefined) return [];
  const changed = [];
  if (rec.start !== o.start_frame) changed.push("start");
  if (rec.end !== o.end_frame) changed.push("end");
  if (o.category_code !== null && o.category_code !== undefined && rec.code !== o.category_code) changed.push("category");
  return changed;
}

export class Proposals {
  /**
   * @param {{enabled:boolean, proposals:object[]}|null} data  GET /api/videos/{id}/proposals/
   * @param {SegmentStore} store  the page's segments: an accepted proposal is one a live segment began as
   * @param {Map<number, object>} categories  code → category
   */
  constructor(data, store, categories) {
    this.enabled = !!(data && data.enabled);
    this.items = this.enabled ? [...data.proposals] : [];
    this.store = store;
    this.categories = categories;
    this.current = null; // the focused proposal's id
    this.showRejected = false;
  }

  /** The page draws the proposals' lane at all. */
  get shown() {
    return this.items.length > 0;
  }

  get(id) {
    return this.items.find((p) => p.id === id) || null;
  }

  get focused() {
    return this.current === null ? null : this.get(this.current);
  }

  /** Proposal ids that a live segment of this page began as. */
  accepted() {
    return new Set(this.store.list().filter((r) => r.origin).map((r) => r.origin.proposal));
  }

  /** The proposals still to look at, by first frame: not accepted, not rejected (unless shown). */
  open() {
    const taken = this.accepted();
    return this.items
      .filter((p) => !taken.has(p.id) && (this.showRejected || !p.rejected))
      .sort((a, b) => a.start_frame - b.start_frame || a.end_frame - b.end_frame);
  }

  rejectedCount() {
    return this.items.filter((p) => p.rejected).length;
  }

  /** The timeline's bars for the open proposals. */
  bars() {
    return this.open().map((p) => {
      const cat = p.category_code === null ? null : this.categories.get(p.category_code);
      const guess = cat ? `C${p.category_code} ${cat.name} ${Math.round(100 * (p.confidence || 0))} %` : "";
      return {
        uuid: `${PREFIX}${p.id}`, start: p.start_frame, end: p.end_frame, code: p.category_code,
        lane: PROPOSAL_LANE.name, ghost: true, muted: !!p.rejected,
        label: `#${p.rank}${guess ? ` · ${guess}` : ""}${p.rejected ? " · rejected" : ""}`,
      };
    });
  }

  /** The timeline's selection: the selected segment and the focused proposal. */
  selection(selectedUuid) {
    const chosen = new Set(selectedUuid ? [selectedUuid] : []);
    if (this.current !== null) chosen.add(`${PREFIX}${this.current}`);
    return chosen;
  }

  /** Focus the next (direction 1) or previous (−1) open proposal after `frame`, or after the
   * focused one; returns it, or null when there is none that way. */
  step(direction, frame) {
    const list = this.open();
    const here = this.focused;
    const from = here ? here.start_frame : frame;
    const after = (p) => p.start_frame > from || (here && p.start_frame === from && p.id > here.id);
    const before = (p) => p.start_frame < from || (here && p.start_frame === from && p.id < here.id);
    const next = direction > 0 ? list.find(after) : list.findLast(before);
    if (next) this.current = next.id;
    return next || null;
  }

  /** Reject the proposal for this labeler, or show it again when it was rejected. */
  async toggleRejected(proposal) {
    const body = await request(`proposals/${proposal.id}/reject/`, { method: proposal.rejected ? "DELETE" : "POST" });
    proposal.rejected = !!body.rejected;
    if (proposal.rejected && !this.showRejected) this.current = null;
    return proposal.rejected;
  }

  /** What a segment accepted from `proposal` carries until the server answers with its own record. */
  static origin(proposal) {
    return {
      proposal: proposal.id, start_frame: proposal.start_frame, end_frame: proposal.end_frame,
      category_code: proposal.category_code, confidence: proposal.confidence, rank: proposal.rank,
    };
  }
}
