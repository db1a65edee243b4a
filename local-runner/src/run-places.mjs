// The engine's places, given out in arrival order. A run that only computes (a click) also
// needs one of the compute places, of which there are no more than cores: more at once would
// only slow each other down. A run that waits on the disk (a postback) may take any place, and
// passes computing runs that wait for a compute place, never the other way round.
//
// One queue for both, so that a click waits for its turn only: with a queue per kind, a click
// holding the compute place waited behind every postback queued since, and the clicks behind it
// waited for that (a soak on the one-place jco engine saw clicks unanswered for 10 s).
export class RunPlaces {
  #running = 0;
  #computing = 0;
  #waiting = [];  // { computes, start }, in arrival order

  constructor({ places, computePlaces = places }) {
    for (const [what, n] of [['places', places], ['compute places', computePlaces]]) {
      if (!(n >= 1)) throw new Error(`an engine needs at least 1 of its ${what}, not ${n}`);
    }
    this.places = places;
    this.computePlaces = Math.min(places, computePlaces);
  }

  async run(task, { computes = false } = {}) {
    await new Promise((start) => {
      this.#waiting.push({ computes, start });
      this.#dispatch();
    });
    try {
      return await task();
    } finally {
      this.#running -= 1;
      if (computes) this.#computing -= 1;
      this.#dispatch();
    }
  }

  #dispatch() {
    for (let i = 0; i < this.#waiting.length && this.#running < this.places;) {
      const run = this.#waiting[i];
      if (run.computes && this.#computing >= this.computePlaces) {
        i += 1;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#running += 1;
      if (run.computes) this.#computing += 1;
      run.start();
    }
  }
}
