// A frame-exact player over the constant-frame-rate proxy (docs/design.md §4).
//
// The frame number it reports is the one the browser has put on screen: it comes from the media
// time of the presented frame (requestVideoFrameCallback), never from currentTime times a typed
// rate. Seeks aim at the middle of a frame's display interval, so rounding in the media pipeline
// can never land on a neighbour.

/** Parse "30000/1001" (or "25") into {num, den}. */
export function parseRate(text, fallback = 25) {
  const [num, den] = String(text || "").split("/").map(Number);
  if (num > 0 && (den === undefined || den > 0)) return { num, den: den || 1 };
  return { num: fallback, den: 1 };
}

export class FramePlayer extends EventTarget {
  /**
   * @param {HTMLVideoElement} video
   * @param {{num:number, den:number}} rate  the proxy's exact frame rate
   * @param {number} numFrames  frames in the proxy
   */
  constructor(video, rate, numFrames) {
    super();
    this.video = video;
    this.rate = rate;
    this.numFrames = numFrames;
    this.frame = -1; // the frame on screen (none until the first one is presented)
    this.loop = null; // {start, end} while looping a segment
    this.pendingSeek = null; // target frame of the seek in flight
    this.queuedSeek = null; // the latest seek asked for while one was in flight
    this.waiters = [];
    this.idleWaiters = [];
    this.onFrame = this.onFrame.bind(this);
    video.requestVideoFrameCallback(this.onFrame);
    video.addEventListener("seeked", () => this.onSeeked());
    video.addEventListener("play", () => this.emit("state"));
    video.addEventListener("pause", () => this.onPause());
    video.addEventListener("ratechange", () => this.emit("state"));
  }

  get fps() {
    return this.rate.num / this.rate.den;
  }

  get paused() {
    return this.video.paused;
  }

  get lastFrame() {
    return this.numFrames - 1;
  }

  /** The frame whose presentation time is `seconds` (exact for a CFR proxy starting at 0). */
  frameAt(seconds) {
    return Math.round((seconds * this.rate.num) / this.rate.den);
  }

  /** The middle of frame `frame`'s display interval, in seconds. */
  timeOf(frame) {
    return ((frame + 0.5) * this.rate.den) / this.rate.num;
  }

  clamp(frame) {
    return Math.max(0, Math.min(this.lastFrame, Math.round(frame)));
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  onFrame(now, metadata) {
    this.video.requestVideoFrameCallback(this.onFrame);
    const frame = this.clamp(this.frameAt(metadata.mediaTime));
    if (this.loop && !this.video.paused && (frame > this.loop.end || frame < this.loop.start)) {
      this.video.currentTime = this.timeOf(this.loop.start);
    }
    this.setFrame(frame, now);
  }

  setFrame(frame, now = performance.now()) {
    const changed = frame !== this.frame;
    this.frame = frame;
    if (this.pendingSeek === frame) this.finishSeek();
    if (changed) this.emit("frame", { frame, now });
    const ready = this.waiters.filter((w) => w.frame === frame);
    this.waiters = this.waiters.filter((w) => w.frame !== frame);
    ready.forEach((w) => w.resolve(frame));
  }

  onSeeked() {
    // Seeking to the frame already on screen presents nothing new, so no frame callback comes.
    if (this.pendingSeek !== null && this.frameAt(this.video.currentTime - 0.5 / this.fps) === this.frame) {
      this.setFrame(this.frame);
      this.finishSeek();
    }
  }

  finishSeek() {
    this.pendingSeek = null;
    if (this.queuedSeek !== null) {
      const next = this.queuedSeek;
      this.queuedSeek = null;
      this.startSeek(next);
      return;
    }
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    idle.forEach((resolve) => resolve(this.frame));
  }

  /**
   * The frame on screen once every seek asked for has landed: a mark made right after a step
   * takes the frame the step leads to, which is the one the labeler then sees.
   */
  settled() {
    if (this.pendingSeek === null && this.queuedSeek === null) return Promise.resolve(this.frame);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  onPause() {
    // Pausing stops between two presentations: settle on the frame that is on screen so the
    // element's position and the frame we report agree (unless a step already seeks elsewhere).
    if (this.pendingSeek === null) this.startSeek(this.frame);
    this.emit("state");
  }

  startSeek(frame) {
    this.pendingSeek = frame;
    this.video.currentTime = this.timeOf(frame);
  }

  /**
   * Show frame `frame`. Seeks are serialised: while one is in flight only the latest target is
   * kept, so dragging on the timeline never builds a backlog. Resolves when it is on screen.
   */
  seek(frame) {
    frame = this.clamp(frame);
    const shown = new Promise((resolve) => this.waiters.push({ frame, resolve }));
    if (frame === this.frame && this.pendingSeek === null && this.video.paused) {
      this.setFrame(frame);
      return shown;
    }
    if (this.pendingSeek !== null) this.queuedSeek = frame;
    else this.startSeek(frame);
    return shown;
  }

  step(delta) {
    if (!this.video.paused) this.video.pause();
    return this.seek((this.queuedSeek ?? this.pendingSeek ?? this.frame) + delta);
  }

  stepSeconds(seconds) {
    return this.step(Math.round(seconds * this.fps));
  }

  /** Play or pause. At the last frame Space stays there (it never jumps back to frame 0). */
  toggle() {
    if (this.video.paused) {
      if (this.frame >= this.lastFrame && !this.loop) return false;
      this.video.play().catch(() => {});
    } else {
      this.video.pause();
    }
    return true;
  }

  setSpeed(rate) {
    this.video.playbackRate = rate;
    this.video.defaultPlaybackRate = rate;
  }

  setLoop(range) {
    this.loop = range;
    this.emit("state");
  }
}
