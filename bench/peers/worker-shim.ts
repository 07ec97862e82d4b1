// A minimal Web `Worker` for Node, on node:worker_threads, just enough for jax-js's
// WebAssembly thread pool (@jax-js/jax dist/backend-*.js, class WasmWorkerPool).
//
// jax-js runs its wasm kernels on several threads only when `SharedArrayBuffer` and a global
// `Worker` exist, a check made once, when the module is imported. Node 20 has the first and not
// the second, so jax-js on Node runs one thread; a browser with cross-origin isolation runs
// `navigator.hardwareConcurrency` threads. With this shim installed before jax-js is imported,
// Node runs the same pool. The pool's workers come from a `blob:` URL of a classic script that
// sets `self.onmessage` and calls `postMessage`; each message the pool posts gets exactly one
// reply. Workers are unref'd between replies so that an idle pool does not keep Node alive.
import { Worker as NodeWorker } from 'node:worker_threads';
import { resolveObjectURL } from 'node:buffer';

// Runs inside the worker: waits for the script text, then evaluates it as a global script with
// `self` and `postMessage` defined as in a dedicated Web Worker.
const PRELUDE = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
parentPort.once('message', (source) => {
  (0, eval)(source);
  parentPort.on('message', (data) => self.onmessage && self.onmessage({ data }));
});
`;

class WorkerShim {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  #worker: NodeWorker;
  #queue: unknown[] | null = []; // messages posted before the script text was sent
  #inflight = 0;

  constructor(url: string | URL, _options?: unknown) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`WorkerShim: only blob: URLs are supported, got ${String(url)}`);
    this.#worker = new NodeWorker(PRELUDE, { eval: true });
    this.#worker.on('message', (data) => {
      if (--this.#inflight === 0) this.#worker.unref();
      this.onmessage?.({ data });
    });
    this.#worker.on('error', (err: Error) => this.onerror?.({ message: err.message }));
    void blob.text().then((source) => {
      this.#worker.postMessage(source);
      for (const m of this.#queue!) this.#worker.postMessage(m);
      this.#queue = null;
      if (this.#inflight === 0) this.#worker.unref();
    });
  }

  postMessage(data: unknown): void {
    this.#inflight++;
    this.#worker.ref();
    if (this.#queue) this.#queue.push(data);
    else this.#worker.postMessage(data);
  }

  terminate(): void {
    void this.#worker.terminate();
  }
}

/** Installs the shim as `globalThis.Worker` unless the platform has one. */
export function installWorkerShim(): boolean {
  const g = globalThis as { Worker?: unknown };
  if (g.Worker) return false;
  g.Worker = WorkerShim;
  return true;
}
