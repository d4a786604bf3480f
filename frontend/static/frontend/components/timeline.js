// The timeline under the player: a frame ruler, the lanes with the segments as bars, the playhead
// and the pending mark.
//
// It owns the view (first frame shown, frames across) and turns pointer input into requests it
// dispatches as events: "seek" {frame}, "select" {uuid}, "resize" {uuid, start, end}, and "view"
// {start, span} when the view moves. It never edits segments itself.

import { el } from "../lib/dom.js";
import { Lanes, placeBar } from "./lanes.js";

const MIN_SPAN = 20; // frames across at the deepest zoom: each frame is tens of pixels wide
const LABEL_W = 104; // px of lane names on the left
const TICK_STEPS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000];

export class Timeline extends EventTarget {
  /**
   * @param {HTMLElement} root  the (empty) timeline box
   * @param {{numFrames:number, fps:number, groups:{name:string, colour:string}[], categories:object[]}} options
   */
  constructor(root, { numFrames, fps, groups, categories }) {
    super();
    this.root = root;
    this.numFrames = numFrames;
    this.fps = fps;
    this.lanes = new Lanes(groups, categories);
    this.view = { start: 0, span: Math.max(MIN_SPAN, numFrames) };
    this.segments = [];
    this.selected = null;
    this.frame = 0;
    this.mark = null;
    this.drag = null;
    this.listening = new AbortController();
    this.build();
    this.resizes = new ResizeObserver(() => this.render());
    this.resizes.observe(this.ruler);
  }

  build() {
    this.root.replaceChildren();
    this.root.classList.add("tl");
    this.ruler = el("canvas", { class: "tl-ruler" });
    const rulerRow = el("div", { class: "tl-row tl-ruler-row" }, el("div", { class: "tl-label", text: "frame" }), this.ruler);
    this.playhead = el("div", { class: "tl-playhead" });
    this.markBand = el("div", { class: "tl-mark" });
    this.markBand.hidden = true;
    // Both span the whole height, above the ruler and every lane.
    this.root.append(rulerRow, this.lanes.box, this.markBand, this.playhead);
    const on = (type, handler, options = {}) =>
      this.root.addEventListener(type, handler, { ...options, signal: this.listening.signal });
    on("pointerdown", (e) => this.onPointerDown(e));
    on("pointermove", (e) => this.onPointerMove(e));
    on("pointerup", (e) => this.onPointerUp(e));
    on("pointercancel", () => (this.drag = null));
    on("wheel", (e) => this.onWheel(e), { passive: false });
  }

  /** Stop listening to the box, so that another timeline can be built in it. */
  close() {
    this.listening.abort();
    this.resizes.disconnect();
  }

  // ---- geometry ----

  get trackLeft() {
    return this.ruler.getBoundingClientRect().left;
  }

  get width() {
    return Math.max(1, this.ruler.clientWidth);
  }

  get scale() {
    return this.width / this.view.span; // px per frame
  }

  xOf(frame) {
    return (frame - this.view.start) * this.scale;
  }

  /** The frame under a client x (the frame whose interval contains it). */
  frameAtClientX(clientX) {
    const f = Math.floor(this.view.start + (clientX - this.trackLeft) / this.scale);
    return Math.max(0, Math.min(this.numFrames - 1, f));
  }

  /** The frame boundary nearest a client x (for dragging edges). */
  boundaryAtClientX(clientX) {
    const b = Math.round(this.view.start + (clientX - this.trackLeft) / this.scale);
    return Math.max(0, Math.min(this.numFrames, b));
  }

  setView(start, span) {
    span = Math.max(MIN_SPAN, Math.min(Math.max(MIN_SPAN, this.numFrames), span));
    start = Math.max(0, Math.min(Math.max(0, this.numFrames - span), start));
    this.view = { start, span };
    this.render();
    this.dispatchEvent(new CustomEvent("view", { detail: { ...this.view } }));
  }

  zoom(factor, aroundFrame = this.frame) {
    const span = this.view.span / factor;
    const ratio = (aroundFrame - this.view.start) / this.view.span;
    this.setView(aroundFrame - ratio * span, span);
  }

  fit() {
    this.setView(0, this.numFrames);
  }

  /** Keep the playhead in view, paging when it runs off either side. */
  follow(frame) {
    const { start, span } = this.view;
    if (frame < start || frame >= start + span) this.setView(frame - span * 0.1, span);
  }

  // ---- state from outside ----

  setSegments(segments, selected) {
    this.segments = segments;
    this.selected = selected;
    this.renderBars();
  }

  setFrame(frame) {
    this.frame = frame;
    this.follow(frame);
    this.renderPlayhead();
  }

  setMark(startFrame) {
    this.mark = startFrame;
    this.renderPlayhead();
  }

  // ---- drawing ----

  render() {
    this.renderRuler();
    this.renderBars();
    this.renderPlayhead();
  }

  renderRuler() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.width;
    const h = this.ruler.clientHeight || 28;
    this.ruler.width = Math.round(w * dpr);
    this.ruler.height = Math.round(h * dpr);
    const ctx = this.ruler.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = ctx.strokeStyle = "#4b5563";
    ctx.font = "11px system-ui, sans-serif";
    const scale = this.scale;
    const step = TICK_STEPS.find((s) => s * scale >= 70) || TICK_STEPS[TICK_STEPS.length - 1];
    const minor = scale >= 4 ? 1 : TICK_STEPS.find((s) => s * scale >= 8) || step;
    const first = Math.floor(this.view.start / minor) * minor;
    const last = this.view.start + this.view.span;
    ctx.beginPath();
    for (let f = first; f <= last; f += minor) {
      const x = Math.round(this.xOf(f)) + 0.5;
      const major = f % step === 0;
      ctx.moveTo(x, h);
      ctx.lineTo(x, major ? h - 12 : h - 5);
      if (major) ctx.fillText(String(f), x + 2, 11);
    }
    ctx.stroke();
  }

  renderBars() {
    const { start, span } = this.view;
    this.lanes.render(this.segments, this.selected, { xOf: (frame) => this.xOf(frame), start, span });
  }

  renderPlayhead() {
    const x = this.xOf(this.frame);
    const w = Math.max(2, this.scale);
    this.playhead.style.left = `${LABEL_W + x}px`;
    this.playhead.style.width = `${w}px`;
    this.playhead.hidden = x < -w || x > this.width;
    this.markBand.hidden = this.mark === null;
    if (this.mark !== null) {
      const a = Math.min(this.mark, this.frame);
      const b = Math.max(this.mark, this.frame) + 1;
      const left = Math.max(0, this.xOf(a));
      this.markBand.style.left = `${LABEL_W + left}px`;
      this.markBand.style.width = `${Math.max(2, Math.min(this.width, this.xOf(b)) - left)}px`;
    }
  }

  // ---- input ----

  onPointerDown(event) {
    if (event.button !== 0 || event.clientX < this.trackLeft) return;
    const bar = event.target.closest(".tl-bar");
    if (bar) {
      const uuid = bar.dataset.uuid;
      this.dispatchEvent(new CustomEvent("select", { detail: { uuid } }));
      const edge = event.target.closest(".tl-edge");
      if (edge) {
        const which = edge.classList.contains("start") ? "start" : "end";
        this.drag = { kind: "resize", which, uuid, bar, start: +bar.dataset.start, end: +bar.dataset.end };
        this.root.setPointerCapture(event.pointerId);
        event.preventDefault();
      }
      return;
    }
    this.drag = { kind: "scrub" };
    this.root.setPointerCapture(event.pointerId);
    this.dispatchEvent(new CustomEvent("seek", { detail: { frame: this.frameAtClientX(event.clientX) } }));
    event.preventDefault();
  }

  onPointerMove(event) {
    const drag = this.drag;
    if (!drag) return;
    if (drag.kind === "scrub") {
      this.dispatchEvent(new CustomEvent("seek", { detail: { frame: this.frameAtClientX(event.clientX) } }));
      return;
    }
    const boundary = this.boundaryAtClientX(event.clientX);
    if (drag.which === "start") drag.start = Math.min(boundary, drag.end);
    else drag.end = Math.max(boundary - 1, drag.start);
    placeBar(drag.bar, this.xOf(drag.start), this.xOf(drag.end + 1));
    drag.bar.title = `[${drag.start}, ${drag.end}]`;
    const frame = drag.which === "start" ? drag.start : drag.end;
    this.dispatchEvent(new CustomEvent("seek", { detail: { frame } }));
  }

  onPointerUp() {
    const drag = this.drag;
    this.drag = null;
    if (drag && drag.kind === "resize") {
      this.dispatchEvent(
        new CustomEvent("resize", { detail: { uuid: drag.uuid, start: drag.start, end: drag.end } }),
      );
    }
  }

  onWheel(event) {
    event.preventDefault();
    const horizontal = event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY);
    if (horizontal) {
      const px = event.shiftKey ? event.deltaY || event.deltaX : event.deltaX;
      this.setView(this.view.start + px / this.scale, this.view.span);
    } else {
      const around = this.view.start + (event.clientX - this.trackLeft) / this.scale;
      this.zoom(event.deltaY < 0 ? 1.25 : 0.8, around);
    }
  }
}
