// Following one background job (GET jobs/<id>/) until it ends.

import { get } from "./api.js";
import { Poller } from "./poll.js";
import { ACTIVE_JOB_STATES } from "./states.js";

/**
 * Read job `id` now and every `ms` while it is queued, running or retrying. `onUpdate(job)` runs
 * after each read; `onError(err)` when a read fails, and says whether to keep trying (by default
 * while the failure is transient). Returns `done`, which resolves to the job once it has ended,
 * and the `poller`, whose now() reads again at once (after a retry, say).
 */
export function followJob(id, { onUpdate, onError = (err) => err.transient, ms = 1000 }) {
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const poller = new Poller(async () => {
    let job;
    try {
      job = await get(`jobs/${id}/`);
    } catch (err) {
      return onError(err);
    }
    await onUpdate(job);
    if (ACTIVE_JOB_STATES.has(job.state)) return true;
    finish(job);
    return false;
  }, ms);
  poller.now();
  return { done, poller };
}
