// The player panel of the annotate, review and training-round pages: the markup of
// includes/player.html and includes/timeline.html wired to a frame-exact player (player.js) and
// a timeline (timeline.js). It fills the readouts, names the play button, zooms, scrubs and, once
// the proxy has loaded, fits the timeline and shows the first frame. The page adds its own wiring
// on `player`, `timeline` and `video`.

import { $ } from "../lib/dom.js";
import { proxyUrl } from "../lib/urls.js";
import { FramePlayer, parseRate } from "./player.js";
import { Timeline } from "./timeline.js";

/** "m:ss.mmm" */
export function formatTime(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(3).padStart(6, "0")}`;
}

export class PlayerPanel {
  /**
   * @param {{id:number, fps:number, fps_fraction:string, num_frames:number}} video  the API's video
   * @param {object} options
   *   lanes, categories: the timeline's lanes and the categories (Timeline)
   *   startFrame: the frame shown once the proxy has loaded (0)
   *   buttons: wire the transport's step and play buttons here (true); false when the page maps
   *     every [data-action] button itself
   */
  constructor(video, { lanes, categories, startFrame = 0, buttons = true }) {
    this.listening = new AbortController();
    const on = (target, type, handler) => target.addEventListener(type, handler, { signal: this.listening.signal });

    // A fresh <video> per panel (the template's, cloned), so no listener of an earlier one survives.
    const old = $("player");
    this.video = old.cloneNode(false);
    this.video.muted = this.video.defaultMuted;
    old.replaceWith(this.video);
    this.video.src = proxyUrl(video.id);
    const player = new FramePlayer(this.video, parseRate(video.fps_fraction, video.fps), video.num_frames);
    const timeline = new Timeline($("timeline"), {
      numFrames: video.num_frames, fps: player.fps, groups: lanes, categories,
    });
    this.player = player;
    this.timeline = timeline;
    $("frame-count").textContent = String(video.num_frames - 1);

    const frameOut = $("frame-readout");
    const timeOut = $("time-readout");
    player.addEventListener("frame", (event) => {
      const { frame } = event.detail;
      frameOut.textContent = String(frame);
      if (timeOut) timeOut.textContent = formatTime(frame / player.fps);
      timeline.setFrame(frame);
    });
    player.addEventListener("state", () => ($("play-button").textContent = player.paused ? "Play" : "Pause"));
    timeline.addEventListener("seek", (event) => {
      if (!player.paused) this.video.pause();
      player.seek(event.detail.frame);
    });
    const range = $("view-range");
    if (range) {
      timeline.addEventListener("view", (event) => {
        const { start, span } = event.detail;
        range.textContent = `frames ${Math.round(start)}–${Math.round(start + span) - 1}`;
      });
    }
    on($("zoom-in"), "click", () => timeline.zoom(2));
    on($("zoom-out"), "click", () => timeline.zoom(0.5));
    on($("zoom-fit"), "click", () => timeline.fit());
    if (buttons) {
      const actions = this.keys;
      const byAction = { step_back: actions.ArrowLeft, step_forward: actions.ArrowRight, play_pause: actions[" "] };
      for (const button of document.querySelectorAll(".transport button[data-action]")) {
        on(button, "click", () => byAction[button.dataset.action]());
      }
    }

    /** Resolves once the proxy has loaded and `startFrame` is on screen. */
    this.ready = new Promise((resolve) => {
      this.video.addEventListener("loadeddata", () => {
        timeline.fit();
        player.seek(startFrame).then(resolve);
      }, { once: true });
    });
  }

  /** The transport's keys, for the page's own key map: ←/→ a frame, Space play/pause. */
  get keys() {
    const player = this.player;
    return {
      ArrowRight: () => player.step(1),
      ArrowLeft: () => player.step(-1),
      " ": () => player.toggle(),
    };
  }

  /** Pause and let go of the page's controls, before another video opens in the panel. */
  close() {
    this.player.video.pause();
    this.listening.abort();
    this.timeline.close();
  }
}
