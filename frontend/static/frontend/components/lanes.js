// The lanes of the timeline: one row of bars per lane, a lane per category group (annotate) or per
// labeler (review, training round). Bars that overlap in one lane stack in rows. The timeline
// owns the view; the lanes only place bars in it.

import { el } from "../lib/dom.js";

const ROW = 18; // px per bar row
// A lane shows this many rows at full height; more overlapping bars share that height, so a
// pile-up of overlaps never pushes the lanes below it off screen.
const MAX_ROWS = 3;
const MIN_ROW = 6; // px: the thinnest a shared row gets
export const MIN_BAR = 6; // px: a one-frame segment at whole-video zoom is still a visible bar

/** Lane colours for lanes named after labelers, in order (a palette the eye tells apart). */
export const LANE_COLOURS = ["#3B6FD4", "#E5484D", "#146c2e", "#8E4EC6", "#D9730D", "#0E7C86", "#6B7280"];

/** One lane per name, coloured from LANE_COLOURS in turn; `last` ({name, colour}) goes at the end. */
export function namedLanes(names, last = null) {
  const lanes = names.map((name, n) => ({ name, colour: LANE_COLOURS[n % LANE_COLOURS.length] }));
  return last ? [...lanes, last] : lanes;
}

/** Stretch a bar from x `left` to x `right` (px); a bar is never too thin to see. */
export function placeBar(bar, left, right) {
  bar.style.left = `${left}px`;
  bar.style.width = `${Math.max(MIN_BAR, right - left)}px`;
}

/** Row height (px) in a lane of `rows` rows. */
export function rowHeight(rows) {
  return rows <= MAX_ROWS ? ROW : Math.max(MIN_ROW, Math.floor((MAX_ROWS * ROW) / rows));
}

export class Lanes {
  /**
   * @param {{name:string, colour:string}[]} groups  the lanes, top to bottom
   * @param {{code:number, group:string}[]} categories  a bar without a lane goes to its category's group
   */
  constructor(groups, categories) {
    this.groups = groups;
    this.groupOf = new Map(categories.map((c) => [c.code, c.group]));
    this.colourOf = new Map(groups.map((g) => [g.name, g.colour]));
    this.box = el("div", { class: "tl-lanes" });
    this.tracks = new Map();
    for (const g of groups) {
      const label = el("div", { class: "tl-label", text: g.name });
      label.style.borderLeftColor = g.colour;
      const track = el("div", { class: "tl-track", dataset: { group: g.name } });
      this.box.append(el("div", { class: "tl-lane", dataset: { group: g.name } }, label, track));
      this.tracks.set(g.name, track);
    }
  }

  /** The lane of bars that name none and whose category has no group here. */
  get lastLane() {
    return this.groups[this.groups.length - 1].name;
  }

  /** Greedy rows per lane: a bar goes to the first row whose last bar ended before it. */
  layout(segments) {
    const rows = new Map(this.groups.map((g) => [g.name, []]));
    const placed = [];
    for (const s of [...segments].sort((a, b) => a.start - b.start || a.end - b.end)) {
      // A bar names its lane (review: one lane per labeler), else its category's group does.
      const group = s.lane || this.groupOf.get(s.code) || this.lastLane;
      const ends = rows.get(group) || [];
      let row = ends.findIndex((end) => end < s.start);
      if (row < 0) row = ends.length;
      ends[row] = s.end;
      rows.set(group, ends);
      placed.push({ s, group, row });
    }
    return { rows, placed };
  }

  /**
   * Draw the bars that fall in the view. `selected` is a uuid or a Set of them; `xOf(frame)` is
   * the x (px) of a frame's left edge in the view [start, start + span).
   */
  render(segments, selected, { xOf, start, span }) {
    const { rows, placed } = this.layout(segments);
    const bars = new Map([...this.tracks.keys()].map((g) => [g, []]));
    const heights = new Map([...rows].map(([g, ends]) => [g, rowHeight(ends.length)]));
    for (const { s, group, row } of placed) {
      if (s.end + 1 < start || s.start > start + span) continue;
      const bar = el("div", { class: "tl-bar", dataset: { uuid: s.uuid, start: s.start, end: s.end, code: s.code } });
      placeBar(bar, xOf(s.start), xOf(s.end + 1));
      const h = heights.get(group) || ROW;
      bar.style.top = `${2 + row * h}px`;
      if (h < ROW) {
        bar.style.height = `${h - 1}px`;
        bar.classList.add("thin");
      }
      bar.style.background = s.colour || this.colourOf.get(group);
      bar.title = `${s.label || `C${s.code}`} [${s.start}, ${s.end}]`;
      const chosen = selected instanceof Set ? selected.has(s.uuid) : s.uuid === selected;
      if (chosen) bar.classList.add("selected");
      if (s.problem) bar.classList.add("problem");
      if (s.pending) bar.classList.add("pending");
      if (s.muted) bar.classList.add("muted");
      if (s.ghost) {
        // A machine proposal (annotate/proposals.js): its own label, and no edges to drag.
        bar.classList.add("ghost");
        bar.title = `${s.label} [${s.start}, ${s.end}]`;
        bar.append(el("span", { class: "tl-text", text: s.label }));
        (bars.get(group) || bars.get(this.lastLane)).push(bar);
        continue;
      }
      // The short label always; the category's name too while the bar is hovered or selected.
      const name = s.label && s.label !== `C${s.code}` ? s.label.slice(`C${s.code}`.length) : "";
      bar.append(el("span", { class: "tl-text" }, `C${s.code}`, name ? el("span", { class: "tl-name", text: name }) : null),
        el("span", { class: "tl-edge start" }), el("span", { class: "tl-edge end" }));
      (bars.get(group) || bars.get(this.lastLane)).push(bar);
    }
    for (const [group, track] of this.tracks) {
      const n = Math.max(1, rows.get(group).length);
      track.style.height = `${4 + Math.min(n * ROW, Math.max(n * rowHeight(n), MAX_ROWS * ROW))}px`;
      track.replaceChildren(...bars.get(group));
    }
  }
}
