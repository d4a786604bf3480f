// The server's state names that mean work is still under way: a page keeps polling while it
// shows one of them.

export const ACTIVE_JOB_STATES = new Set(["queued", "running", "retrying"]);
export const BUSY_VIDEO_STATES = new Set(["pending", "ingesting"]);
