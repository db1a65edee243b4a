// Group commit: many callers ask for durability, one sync serves every caller that asked
// before it began. A caller that asks while a sync runs waits for the next one (what it wrote
// may have missed the one under way), and every caller that arrives meanwhile shares that next
// sync with it. So under load the syncs per second stay at about 1 / (sync latency), however
// many requests wait on them.
//
//   const commit = new GroupCommit(async () => { ...write what is buffered; fdatasync... });
//   await commit.durable();  // everything written before this call is on disk
export class GroupCommit {
  #sync;
  #running = null;  // the sync under way
  #next = null;     // { promise, resolve, reject }: the sync the callers since #running wait for
  syncs = 0;
  waiters = 0;

  // sync: async () => void; rejects when what was written could not be made durable.
  constructor(sync) {
    this.#sync = sync;
  }

  durable() {
    this.waiters += 1;
    if (!this.#next) {
      let resolve;
      let reject;
      const promise = new Promise((yes, no) => {
        resolve = yes;
        reject = no;
      });
      this.#next = { promise, resolve, reject };
    }
    const { promise } = this.#next;
    if (!this.#running) this.#start();
    return promise;
  }

  // Resolves once no sync is under way or waiting (their failures are their callers' to see):
  // what owns the resource the syncs use waits for this before it closes it.
  async drain() {
    while (this.#running) await this.#running;
  }

  #start() {
    const group = this.#next;
    this.#next = null;
    this.syncs += 1;
    this.#running = (async () => this.#sync())().then(group.resolve, group.reject).finally(() => {
      this.#running = null;
      if (this.#next) this.#start();
    });
  }
}
