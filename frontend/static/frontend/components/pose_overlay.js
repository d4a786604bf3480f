// A clip's skeleton drawn over the clip as it plays (docs/design.md §9): the 22 joints and their
// edges from GET /api/clips/{id}/poses/, on a canvas laid over the <video>, redrawn for the frame
// on screen each time the FramePlayer reports one. A "Pose overlay" checkbox beside the player's
// buttons shows or hides it; a clip without poses disables it and says why.
//
// Keypoints are in the pixels of the video the poses were made on (the processed clip, which has
// the source's size); they are scaled to the <video>'s box, letterboxing included.
// window.mgstudio.poseOverlay exposes what was last drawn (for tests).

import { get } from "../lib/api.js";
import { el } from "../lib/dom.js";

const MIN_SCORE = 0.1; // below this a joint is not drawn (the baselines ignore it too)
// Joints by side, for colour: 2-4 and 8, 10, 17-21 are the subject's right; 5-7, 9, 11, 12-16 left.
const RIGHT = new Set([2, 3, 4, 8, 10, 17, 18, 19, 20, 21]);
const LEFT = new Set([5, 6, 7, 9, 11, 12, 13, 14, 15, 16]);
const COLOURS = { right: "#ff7a1a", left: "#2f8cff", centre: "#39d353" };

function side(joint) {
  return RIGHT.has(joint) ? "right" : LEFT.has(joint) ? "left" : "centre";
}

export class PoseOverlay {
  /** @param {HTMLElement} controls  where the toggle goes (the player's button row) */
  constructor(controls) {
    this.toggle = el("input", { type: "checkbox", id: "pose-overlay-toggle" });
    this.note = el("span", { class: "muted small", id: "pose-overlay-note" });
    controls.append(el("label", { class: "small" }, this.toggle, " Pose overlay"), this.note);
    this.canvas = el("canvas", { class: "pose-overlay", "aria-hidden": "true" });
    Object.assign(this.canvas.style, { position: "absolute", pointerEvents: "none", display: "none" });
    this.cache = new Map(); // clip id -> poses answer (or an Error)
    this.state = { clipId: null, loaded: false, frames: 0, drawnFrame: null, drawnJoints: 0 };
    this.current = null;
    this.toggle.addEventListener("change", () => this.redraw());
    window.addEventListener("resize", () => this.redraw());
  }

  /**
   * Follow `player` (a FramePlayer on `video`) for `clip`; `rowOf(frame)` turns the player's
   * frame into the pose file's row (0 = the clip's first frame).
   */
  attach(clip, video, player, rowOf) {
    const current = { clip, video, player, rowOf, poses: null, frame: null };
    this.current = current;
    Object.assign(this.state, { clipId: clip.id, loaded: false, frames: 0, drawnFrame: null, drawnJoints: 0 });
    // Set here, not at construction: the page replaces window.mgstudio once its module has run.
    window.mgstudio = window.mgstudio || {};
    window.mgstudio.poseOverlay = this.state;
    const figure = video.parentElement;
    if (figure && getComputedStyle(figure).position === "static") figure.style.position = "relative";
    video.after(this.canvas);
    this.clear();
    player.addEventListener("frame", (event) => {
      if (this.current !== current) return;
      current.frame = event.detail.frame;
      this.draw();
    });
    video.addEventListener("loadedmetadata", () => this.redraw());
    if (!clip.pose_layout) {
      this.unavailable("No poses for this clip.");
      return;
    }
    this.toggle.disabled = false;
    this.note.textContent = "";
    this.load(clip.id).then((poses) => {
      if (this.current !== current) return;
      if (poses instanceof Error) {
        this.unavailable(poses.status === 404 ? "No poses for this clip." : `Poses could not be loaded: ${poses.message}`);
        return;
      }
      current.poses = poses;
      Object.assign(this.state, { loaded: true, frames: poses.frames });
      this.note.textContent = `${poses.layout}, ${poses.pose_settings.backend || "imported"}`;
      this.draw();
    });
  }

  async load(clipId) {
    if (!this.cache.has(clipId)) {
      this.cache.set(clipId, await get(`clips/${clipId}/poses/`).catch((err) => err));
    }
    return this.cache.get(clipId);
  }

  unavailable(message) {
    this.toggle.disabled = true;
    this.note.textContent = message;
    this.clear();
  }

  clear() {
    this.canvas.style.display = "none";
    this.state.drawnFrame = null;
    this.state.drawnJoints = 0;
  }

  redraw() {
    this.draw();
  }

  /** Size the canvas over the video's picture and draw the frame on screen's skeleton. */
  draw() {
    const c = this.current;
    if (!c || !c.poses || !this.toggle.checked || c.frame === null) {
      this.clear();
      return;
    }
    const row = c.poses.keypoints[c.rowOf(c.frame)];
    const { video } = c;
    const boxW = video.clientWidth;
    const boxH = video.clientHeight;
    const srcW = c.poses.width || video.videoWidth;
    const srcH = c.poses.height || video.videoHeight;
    if (!row || !boxW || !boxH || !srcW || !srcH) {
      this.clear();
      return;
    }
    const ratio = window.devicePixelRatio || 1;
    Object.assign(this.canvas.style, {
      display: "block",
      left: `${video.offsetLeft}px`,
      top: `${video.offsetTop}px`,
      width: `${boxW}px`,
      height: `${boxH}px`,
    });
    this.canvas.width = Math.round(boxW * ratio);
    this.canvas.height = Math.round(boxH * ratio);
    // The picture keeps its aspect inside the element's box (object-fit: contain).
    const scale = Math.min(boxW / srcW, boxH / srcH);
    const dx = (boxW - srcW * scale) / 2;
    const dy = (boxH - srcH * scale) / 2;
    const at = (j) => [dx + row[j][0] * scale, dy + row[j][1] * scale];
    const shown = (j) => row[j][2] >= MIN_SCORE;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, boxW, boxH);
    ctx.lineWidth = 2;
    for (const [a, b] of c.poses.edges) {
      if (!shown(a) || !shown(b)) continue;
      ctx.strokeStyle = COLOURS[side(b)];
      ctx.beginPath();
      ctx.moveTo(...at(a));
      ctx.lineTo(...at(b));
      ctx.stroke();
    }
    let joints = 0;
    for (let j = 0; j < row.length; j += 1) {
      if (!shown(j)) continue;
      joints += 1;
      ctx.fillStyle = COLOURS[side(j)];
      ctx.beginPath();
      ctx.arc(...at(j), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    this.state.drawnFrame = c.frame;
    this.state.drawnJoints = joints;
  }
}
