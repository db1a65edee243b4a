// Runs at most `limit` tasks at once, the rest in arrival order as places free up: as many
// requests run as the engine can run at once (engine.concurrency), and no more wait inside it.
export class TaskLimit {
  #running = 0;
  #waiting = [];

  constructor(limit) {
    if (!(limit >= 1)) throw new Error(`a task limit must be at least 1, not ${limit}`);
    this.limit = limit;
  }

  async run(task) {
    if (this.#running >= this.limit) await new Promise((resolve) => this.#waiting.push(resolve));
    this.#running += 1;
    try {
      return await task();
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.();
    }
  }
}
