// A filmstrip along the timeline: thumbnails of the frames under it, so a labeler zoomed out over
// the whole video finds gestures by looking. Thumbnails come from a second, hidden <video> of the
// same proxy (seeked frame by frame, drawn to canvases, cached), so the player is never moved.
// Zoomed in to where bars are wide enough to read frame by frame, the strip hides itself.

import { el } from "../lib/dom.js";

const THUMB_W = 72; // px per thumbnail on screen (40 px high for 16:9)
const MIN_SPAN = 60; // frames across: below this the labeler is working frame by frame

export class Filmstrip {
  /**
   * @param {Timeline} timeline  the timeline to run along (its "view" events drive the strip)
   * @param {string} src  the proxy's URL
   * @param {{timeOf:(frame:number)=>number, numFrames:number}} video  timeOf: the player's
   *   seek target of a frame (the middle of its display interval, docs/design.md §4)
   */
  constructor(timeline, src, { timeOf, numFrames }) {
    this.timeline = timeline;
    this.timeOf = timeOf;
    this.numFrames = numFrames;
    this.cache = new Map(); // frame -> canvas
    this.wanted = [];
    this.generation = 0;
    this.source = el("video", { class: "filmstrip-source", muted: true, preload: "auto", playsinline: true });
    this.source.muted = true;
    this.source.src = src;
    this.strip = el("div", { class: "tl-film", "aria-hidden": "true" });
    this.row = el("div", { class: "tl-row tl-film-row" }, el("div", { class: "tl-label", text: "frames" }), this.strip);
    timeline.root.querySelector(".tl-ruler-row").after(this.row);
    document.body.append(this.source);
    this.loaded = new Promise((resolve) => this.source.addEventListener("loadeddata", resolve, { once: true }));
    let timer = null;
    timeline.addEventListener("view", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.render(), 120);
    });
    this.render();
  }

  /** The frames the strip shows now: one per thumbnail, at the middle of its stretch. */
  frames() {
    const { start, span } = this.timeline.view;
    const n = Math.max(1, Math.floor(this.timeline.width / THUMB_W));
    return Array.from({ length: n }, (_, i) => Math.min(this.numFrames - 1, Math.floor(start + ((i + 0.5) * span) / n)));
  }

  render() {
    const zoomedOut = this.timeline.view.span >= MIN_SPAN;
    this.row.hidden = !zoomedOut;
    this.generation += 1;
    if (!zoomedOut) return;
    const frames = this.frames();
    const slots = frames.map((frame) => {
      const slot = el("div", { class: "tl-thumb", dataset: { frame } });
      slot.style.width = `${100 / frames.length}%`;
      const ready = this.cache.get(frame);
      if (ready) slot.append(ready);
      return slot;
    });
    this.strip.replaceChildren(...slots);
    this.fill(frames.filter((f) => !this.cache.has(f)), this.generation);
  }

  /** Draw the missing thumbnails one seek at a time; a newer view abandons an older one. */
  async fill(frames, generation) {
    await this.loaded;
    for (const frame of frames) {
      if (generation !== this.generation) return;
      const canvas = await this.grab(frame);
      if (!canvas) return;
      this.cache.set(frame, canvas);
      const slot = this.strip.querySelector(`.tl-thumb[data-frame="${frame}"]`);
      if (slot && !slot.firstChild) slot.append(canvas);
    }
    this.strip.dataset.complete = generation === this.generation ? "1" : "";
  }

  grab(frame) {
    const video = this.source;
    return new Promise((resolve) => {
      const done = () => {
        const canvas = el("canvas", { class: "tl-thumb-img", dataset: { frame } });
        canvas.width = THUMB_W;
        canvas.height = Math.round((THUMB_W * video.videoHeight) / Math.max(1, video.videoWidth));
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        resolve(canvas);
      };
      video.addEventListener("seeked", done, { once: true });
      video.addEventListener("error", () => resolve(null), { once: true });
      video.currentTime = this.timeOf(frame);
    });
  }
}
