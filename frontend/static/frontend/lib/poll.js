// Polling the server while something on the page is still changing.

/** Calls `task` now and again every `ms` while it returns true; one timer, no overlaps. */
export class Poller {
  constructor(task, ms = 2000) {
    this.task = task;
    this.ms = ms;
    this.timer = null;
    this.running = false;
    this.again = false;
  }

  async now() {
    if (this.running) {
      this.again = true; // run once more when the current call ends
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    let keepGoing = true;
    try {
      keepGoing = await this.task();
    } catch (err) {
      console.error(err);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.now();
    } else if (keepGoing) {
      this.timer = setTimeout(() => this.now(), this.ms);
    }
  }
}

/**
 * What a polling page last drew, per part: changed(key, data) is true when `data` differs from
 * what it was given for `key` last time, so an unchanged table is not redrawn (nor its focus and
 * scroll lost). forget(key) makes the next call true.
 */
export class Drawn {
  constructor() {
    this.last = new Map();
  }

  changed(key, data) {
    const json = JSON.stringify(data);
    if (this.last.get(key) === json) return false;
    this.last.set(key, json);
    return true;
  }

  forget(key) {
    this.last.delete(key);
  }
}
