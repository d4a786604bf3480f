// The upload cards of the project page and of the training page's "new round" form: each file is
// sent in chunks (lib/upload.js), then its card follows the ingest job until the video is ready
// or rejected — the card, not only the videos table, says how it ended. A rejected video can be
// deleted from its card. Subject and win/lose given with the files are set once the video exists.

import { patch, request } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { formatBytes, formatNumber, formatPercent, formatSpeed } from "../lib/format.js";
import { followJob } from "../lib/jobs.js";
import { ChunkedUpload } from "../lib/upload.js";
import { jobUrl } from "../lib/urls.js";

/** Delete video `id` (a rejected upload); resolves when it is gone. */
export function deleteVideo(id) {
  return request(`videos/${id}/`, { method: "DELETE" });
}

export class UploadQueue {
  /**
   * @param {object} options
   *   projectId; list: the <ul> of cards; parallel: uploads at once (2);
   *   metadata(): {subject_id, match_result} to set on each new video ("" or absent: none);
   *   onChange(): something moved (the page refreshes its tables);
   *   onSettled(video): a video's ingest ended (the API's video, or null once deleted)
   */
  constructor({ projectId, list, parallel = 2, metadata = () => ({}), onChange = () => {}, onSettled = () => {} }) {
    Object.assign(this, { projectId, list, parallel, metadata, onChange, onSettled });
    this.waiting = [];
    this.running = 0;
  }

  /** Uploads still sending or ingesting. */
  get busy() {
    return this.running > 0 || this.waiting.length > 0;
  }

  add(files) {
    const meta = this.metadata();
    for (const file of files) {
      const item = this.card(file);
      item.meta = meta;
      item.cancel.addEventListener("click", () => {
        item.cancelled = true;
        if (item.upload) item.upload.abort();
        else {
          const at = this.waiting.indexOf(item);
          if (at >= 0) this.waiting.splice(at, 1);
          item.cancel.remove();
          this.setState(item, "cancelled", "Cancelled");
        }
      });
      this.list.prepend(item.row);
      this.waiting.push(item);
    }
    this.pump();
  }

  card(file) {
    const bar = el("progress", { max: "100", value: "0", "aria-label": `Upload of ${file.name}` });
    const numbers = el("span", { class: "upload-numbers", text: `0 % · 0 B of ${formatBytes(file.size)}` });
    const status = el("span", { class: "upload-status", role: "status", text: "Waiting" });
    const error = el("p", { class: "row-error upload-error", role: "alert", hidden: true });
    const cancel = el("button", { type: "button", class: "small", text: "Cancel" });
    const row = el(
      "li",
      { class: "upload-item", dataset: { filename: file.name, state: "waiting" } },
      el("div", { class: "upload-head" }, el("strong", { text: file.name }), status, cancel),
      el("div", { class: "progress-line" }, bar, numbers),
      error,
    );
    return { file, row, bar, numbers, status, error, cancel, upload: null, cancelled: false };
  }

  setState(item, state, text, ...extra) {
    item.row.dataset.state = state;
    item.status.replaceChildren(text, ...extra);
  }

  showError(item, message) {
    item.error.textContent = message;
    item.error.hidden = !message;
  }

  showBytes(item, sent, total, speed) {
    const fraction = total > 0 ? sent / total : 1;
    item.bar.value = Math.round(fraction * 1000) / 10;
    item.numbers.textContent = `${formatPercent(fraction)} · ${formatBytes(sent)} of ${formatBytes(total)} · ${formatSpeed(speed)}`;
  }

  pump() {
    while (this.running < this.parallel && this.waiting.length) {
      const item = this.waiting.shift();
      this.running += 1;
      this.run(item).finally(() => {
        this.running -= 1;
        this.pump();
        this.onChange();
      });
    }
  }

  async run(item) {
    if (item.cancelled) return;
    const upload = new ChunkedUpload(item.file, { project: this.projectId });
    item.upload = upload;
    this.setState(item, "uploading", "Uploading");
    upload.addEventListener("progress", (e) => this.showBytes(item, e.detail.sent, e.detail.total, e.detail.speed));
    upload.addEventListener("retry", (e) => {
      const { attempt, delay, message } = e.detail;
      this.setState(item, "retrying", `Retry ${attempt} of ${upload.maxRetries} in ${delay / 1000} s (${message})`);
    });
    upload.addEventListener("state", (e) => {
      if (e.detail.state === "uploading") this.setState(item, "uploading", "Uploading");
      if (e.detail.state === "completing") this.setState(item, "completing", "Finishing…");
    });
    let result;
    try {
      result = await upload.start();
    } catch (err) {
      item.cancel.remove();
      if (upload.state === "aborted") this.setState(item, "cancelled", "Cancelled");
      else {
        this.setState(item, "failed", "Failed");
        this.showError(item, err.message || String(err));
      }
      return;
    }
    item.cancel.remove();
    item.video = result.video;
    await this.setMetadata(item);
    this.onChange();
    if (result.job) await this.ingest(item, result.job);
  }

  async setMetadata(item) {
    const body = {};
    for (const [key, value] of Object.entries(item.meta || {})) if (value) body[key] = value;
    if (!Object.keys(body).length) return;
    try {
      await patch(`videos/${item.video}/metadata/`, body);
    } catch (err) {
      this.showError(item, `Subject and win/lose not set: ${err.message}`);
    }
  }

  /** Follow the ingest job on the card, then say how the video ended. */
  async ingest(item, jobId) {
    const link = () => el("a", { href: jobUrl(jobId), text: `ingest job #${jobId}` });
    this.setState(item, "ingesting", "Uploaded — ingesting ", link());
    item.bar.value = 0;
    item.bar.setAttribute("aria-label", `Ingest of ${item.file.name}`);
    const ended = new Promise((resolve) => {
      const { done } = followJob(jobId, {
        onUpdate: (job) => {
          item.bar.value = Math.round((job.progress || 0) * 1000) / 10;
          item.numbers.textContent = `ingest ${formatPercent(job.progress)}${job.message ? ` · ${job.message}` : ""}`;
        },
        onError: (err) => {
          if (!err.transient) resolve(null); // the job cannot be read: stop following it
          return err.transient;
        },
      });
      done.then(resolve);
    });
    if (!(await ended)) {
      this.setState(item, "done", "Uploaded — ", link());
      return;
    }
    let video;
    try {
      video = await request(`videos/${item.video}/`);
    } catch (err) {
      this.showError(item, `Could not read the video: ${err.message}`);
      return;
    }
    if (video.status === "ready") {
      item.bar.value = 100;
      item.numbers.textContent = `${formatNumber(video.num_frames)} frames at ${formatNumber(video.fps, 3)} fps`;
      this.setState(item, "ready", `Ready: video ${video.external_id}`);
    } else {
      item.numbers.textContent = "";
      this.setState(item, "rejected", "Rejected");
      this.showError(item, `${video.error_code ? `${video.error_code}: ` : ""}${video.error || "the file is not a usable video"}`);
      item.row.querySelector(".upload-head").append(this.deleteButton(item, video));
    }
    this.onSettled(video);
  }

  deleteButton(item, video) {
    const button = el("button", { type: "button", class: "small danger", text: "Delete" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await deleteVideo(video.id);
        button.remove();
        this.showError(item, "");
        this.setState(item, "deleted", `Deleted video ${video.external_id}`);
        this.onSettled(null);
        this.onChange();
      } catch (err) {
        button.disabled = false;
        this.showError(item, `Not deleted: ${err.message}`);
      }
    });
    return button;
  }
}

/** Files dropped on `zone` or chosen in `input` go to `add(files)`. */
export function wireDropzone(zone, input, add) {
  const take = () => {
    if (!input.files.length) return;
    add([...input.files]);
    input.value = "";
  };
  input.addEventListener("change", take);
  take(); // files chosen before the module ran
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", (e) => {
    if (!zone.contains(e.relatedTarget)) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const files = [...(e.dataTransfer.files || [])];
    if (files.length) add(files);
  });
}

/** The subject and win/lose fields of an upload form (ids `${prefix}-subject`, `${prefix}-result`). */
export function metadataFields(prefix) {
  return () => ({ subject_id: $(`${prefix}-subject`).value.trim(), match_result: $(`${prefix}-result`).value });
}
