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
