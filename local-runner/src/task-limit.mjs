// Runs tasks one after another: the functions run one request at a time (node:wasi's start()
// blocks the thread anyway), and it keeps the wasmtime engine to one child process at a time.
export class SerialQueue {
  #tail = Promise.resolve();

  run(task) {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => {});
    return result;
  }
}
