// Chunked, resumable upload of one file through the API:
//   POST /api/uploads/ {project, filename, size, external_id?} -> {id, chunk_size, received_bytes}
//   PUT  /api/uploads/{id}/chunk/?offset=N  (raw bytes)       -> {received_bytes} | 409 {expected_offset}
//   POST /api/uploads/{id}/complete/                          -> {video, job}
// A chunk that fails transiently (network, 5xx, 429) is retried up to `maxRetries` times with
// exponential backoff; a 409 moves to the offset the server expects; any other refusal (400, 403,
// 404, 413...) ends the upload with the server's message. Independent of the page: it needs only
// a File/Blob and (optionally) an injected `request` function, so it can be driven on its own.

import { ApiError, request as apiRequest } from "./api.js";

const abortError = () => new DOMException("The upload was cancelled.", "AbortError");

function defaultSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortError());
    const timer = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(abortError());
        },
        { once: true },
      );
    }
  });
}

export class ChunkedUpload extends EventTarget {
  /**
   * @param {File|Blob} file
   * @param {object} options project (id, required), externalId, filename (default file.name),
   *   maxRetries (3), backoffMs (500; doubles per retry), request (api.js request), sleep, now
   */
  constructor(file, options = {}) {
    super();
    if (!file) throw new TypeError("ChunkedUpload needs a file");
    this.file = file;
    this.project = options.project;
    this.externalId = options.externalId || "";
    this.filename = options.filename || file.name || "upload.bin";
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this._request = options.request || apiRequest;
    this._sleep = options.sleep || defaultSleep;
    this._now = options.now || (() => performance.now());
    this.total = file.size;
    this.sent = 0; // bytes the server has acknowledged
    this.speed = 0; // bytes per second over the last few seconds
    this.state = "idle"; // idle | creating | uploading | completing | done | failed | aborted
    this.uploadId = null;
    this.chunkSize = null;
    this.chunksSent = 0;
    this.result = null;
    this.error = null;
    this._controller = new AbortController();
    this._samples = [];
    this._promise = null;
  }

  get fraction() {
    return this.total > 0 ? this.sent / this.total : 1;
  }

  /** Run the upload (once; later calls return the same promise). Resolves to {video, job}. */
  start() {
    if (!this._promise) this._promise = this._run();
    return this._promise;
  }

  abort() {
    if (["done", "failed", "aborted"].includes(this.state)) return;
    this._controller.abort();
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _setState(state) {
    this.state = state;
    this._emit("state", { state });
  }

  _progress(sent) {
    const now = this._now();
    this.sent = Math.max(0, Math.min(this.total, sent));
    this._samples.push([now, this.sent]);
    while (this._samples.length > 2 && now - this._samples[0][0] > 5000) this._samples.shift();
    const [t0, b0] = this._samples[0];
    // A resync backwards (409) is not negative speed; the window restarts from there.
    if (this.sent < b0) this._samples = [[now, this.sent]];
    this.speed = now > t0 && this.sent >= b0 ? ((this.sent - b0) * 1000) / (now - t0) : this.speed;
    this._emit("progress", {
      sent: this.sent,
      total: this.total,
      fraction: this.fraction,
      speed: this.speed,
    });
  }

  async _withRetry(what, call) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call();
      } catch (err) {
        if (this._controller.signal.aborted) throw abortError();
        const transient = err instanceof ApiError && err.transient;
        if (!transient || attempt >= this.maxRetries) throw err;
        const delay = this.backoffMs * 2 ** attempt;
        this._emit("retry", { what, attempt: attempt + 1, delay, message: err.message });
        await this._sleep(delay, this._controller.signal);
      }
    }
  }

  async _run() {
    const signal = this._controller.signal;
    try {
      this._setState("creating");
      const body = { project: this.project, filename: this.filename, size: this.total };
      if (this.externalId) body.external_id = this.externalId;
      const created = await this._withRetry("create", () =>
        this._request("uploads/", { method: "POST", json: body, signal }),
      );
      this.uploadId = created.id;
      this.chunkSize = Math.max(1, Number(created.chunk_size) || 8 * 1024 * 1024);
      this._setState("uploading");
      this._samples = [[this._now(), Number(created.received_bytes) || 0]];
      this._progress(Number(created.received_bytes) || 0);
      await this._sendChunks(signal);
      if (signal.aborted) throw abortError();
      this._setState("completing");
      this.result = await this._withRetry("complete", () =>
        this._request(`uploads/${this.uploadId}/complete/`, { method: "POST", json: {}, signal }),
      );
      this._setState("done");
      this._emit("done", this.result);
      return this.result;
    } catch (err) {
      const aborted = signal.aborted || (err && err.name === "AbortError");
      if (aborted && this.uploadId != null) {
        // Tell the server so the partial file goes now, not when the stale-upload purge runs.
        this._request(`uploads/${this.uploadId}/abort/`, { method: "POST", json: {} }).catch(
          () => {},
        );
      }
      this.error = aborted ? abortError() : err;
      this._setState(aborted ? "aborted" : "failed");
      this._emit("error", { message: this.error.message, error: this.error, aborted });
      throw this.error;
    }
  }

  async _sendChunks(signal) {
    // A 409 (or an acknowledgement that does not move forward) is a "stall"; a chunk that moves
    // the offset forward resets the count, so a long re-send after a resync is fine but a server
    // that keeps bouncing the client around ends the upload.
    let stalls = 0;
    while (this.sent < this.total) {
      if (signal.aborted) throw abortError();
      const offset = this.sent;
      const end = Math.min(offset + this.chunkSize, this.total);
      let next;
      let conflict = false;
      try {
        const data = await this._withRetry("chunk", () =>
          this._request(`uploads/${this.uploadId}/chunk/`, {
            method: "PUT",
            query: { offset },
            body: this.file.slice(offset, end),
            contentType: "application/octet-stream",
            signal,
          }),
        );
        this.chunksSent += 1;
        const received = Number(data && data.received_bytes);
        next = Number.isFinite(received) ? received : end;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 409) throw err;
        const raw = err.data && typeof err.data === "object" ? err.data.expected_offset : null;
        const expected = raw === null || raw === undefined || raw === "" ? NaN : Number(raw);
        if (!Number.isInteger(expected)) throw err;
        if (expected < 0 || expected > this.total) {
          throw new ApiError(`The server expects byte ${expected} of a ${this.total}-byte file.`, 409, err.data);
        }
        this._emit("resync", { from: offset, to: expected });
        next = expected;
        conflict = true;
      }
      stalls = !conflict && next > offset ? 0 : stalls + 1;
      if (stalls > this.maxRetries) {
        throw new ApiError(`The server keeps refusing data at byte ${next}.`, 409, null);
      }
      this._progress(next);
    }
  }
}
