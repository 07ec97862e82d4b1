// A Session runs a compiled artifact on a GPUDevice: buffers and pipelines made once, one command
// buffer per step, and only what the caller asks for read back. Browser-safe (no Node imports).
/// <reference types="@webgpu/types" />
import type { Artifact, InputSpec, KernelEntry as KernelSpec, Manifest, TensorSlot } from '../compiler/artifact.ts';
import { DISPATCH_PARAMS_BYTES, STEP_PARAMS_BYTES } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { initialTensors } from './init.ts';
import { bindKernels, type BoundKernel, type PipelineProgress } from './pipeline-cache.ts';
import { checkArtifact, checkLimits, kernelLabel } from './session-checks.ts';
import { badTokenIdAt } from './token-ids.ts';
import { SessionError } from './session-error.ts';
import { DEFAULT_DEADLINE, Deadlines, timeoutMessage, type DeadlinePolicy, type GpuWatchdog } from './deadline.ts';
import { pacesWaitsByDefault, WaitPacer } from './wait-pacer.ts';
import { warmUpKernels } from './warm-up.ts';

// The session's error type, re-exported: most callers import it with the Session.
export { SessionError };

export type ProgramName = 'train_step' | 'eval' | 'forward';
export type TensorData = Float32Array | Int32Array;

/** Per-step values the kernels read from the step uniform block. */
export interface StepParams {
  lr: number;
  step: number;
  seed: number;
}

const STORAGE = 0x80; // GPUBufferUsage.STORAGE, spelled out so the module loads before globals exist.
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const UNIFORM = 0x40;
const MAP_MODE_READ = 0x01;

/** Options of Session.create. */
export interface SessionOptions {
  /** The most workgroups one dispatch may have, x·y·z (default DEFAULT_MAX_WORKGROUPS_PER_DISPATCH). */
  maxWorkgroupsPerDispatch?: number;
  /**
   * Seconds any one submission (a train step, an eval or predict batch) may take; past it the device
   * is destroyed and the call fails. Default: automatic (`deadline`).
   */
  timeoutSeconds?: number;
  /** The automatic limit, when no timeoutSeconds is given (default DEFAULT_DEADLINE). */
  deadline?: Partial<DeadlinePolicy>;
  /** Told about every wait on the GPU, to stop work that blocks this thread (see GpuWatchdog). */
  watchdog?: GpuWatchdog;
  /** Appended to a timeout's message, e.g. "the last checkpoint is intact". */
  timeoutNote?: string;
  /** Told as each distinct pipeline is created: done of total. */
  onPipeline?: PipelineProgress;
  /**
   * Sleep most of each program's learned GPU time on a timer before polling for it (WaitPacer).
   * Default: in Node, whose WebGPU (Dawn) polls by spinning a core; not in a page.
   */
  paceWaits?: boolean;
}

/** What a submission is, for deadlines (its program) and messages ("step 12", "eval batch 3"). */
interface Work {
  what: string;
  program?: ProgramName;
}

export class Session {
  readonly manifest: Manifest;
  /** Optimizer steps taken so far; the next train step uses step + 1. */
  step = 0;
  /** Learning rate the next train step uses (the manifest's, until a schedule changes it). */
  lr: number;
  /** Seed of the in-kernel random streams (dropout); set by initialize(). */
  seed: number;
  private readonly buffers: GPUBuffer[];
  private readonly kernels: BoundKernel[];
  private readonly staging = new Map<string, GPUBuffer>();
  /** Sleeps most of each program's learned wait instead of polling the device for all of it; none in a page. */
  private readonly pacer: WaitPacer | undefined;
  private readonly slots = new Map<string, TensorSlot>();
  private disposed = false;
  private readonly deadlines: Deadlines;
  /** The program of the last run and how many runs of it came in a row (eval batch 1, 2, ...). */
  private lastRun: { program: ProgramName; count: number } | undefined;
  /** The folder the artifact was loaded from, for messages. */
  private readonly source: string | undefined;
  /** Why the session stopped for good: GPU work ran past its deadline. */
  private stopped: string | undefined;

  private constructor(readonly device: GPUDevice, artifact: Artifact, kernels: BoundKernel[], buffers: GPUBuffer[], private readonly opts: SessionOptions) {
    this.manifest = artifact.manifest;
    this.source = artifact.source;
    this.deadlines = new Deadlines({ ...DEFAULT_DEADLINE, ...opts.deadline }, opts.timeoutSeconds);
    this.pacer = opts.paceWaits ?? pacesWaitsByDefault() ? new WaitPacer() : undefined;
    this.kernels = kernels;
    this.buffers = buffers;
    this.lr = artifact.manifest.train.optimizer.lr;
    this.seed = artifact.manifest.train.seed;
    for (const t of [...this.manifest.inputs, ...this.manifest.params, ...this.manifest.state]) this.slots.set(t.name, t);
    // A lost device (driver reset, destroy(), out of memory) fails every later call with one message.
    void device.lost.then((info) => { this.lost = info.message || info.reason || 'unknown reason'; });
  }

  /** Why the device was lost, once it was. */
  private lost: string | undefined;

  private lostError(): SessionError {
    return new SessionError(`the GPU device was lost (${this.lost}); training cannot continue. Checkpoints already written are intact: continue with --resume (or loadCheckpoint)`);
  }

  /**
   * Checks the artifact (manifest fields, workgroup bounds, kernel SHA-256, device limits) before any
   * GPU object exists, then creates every buffer and pipeline; reports WGSL errors with the kernel name.
   */
  static async create(artifact: Artifact, device: GPUDevice, opts: SessionOptions = {}): Promise<Session> {
    const m = artifact.manifest;
    checkArtifact(artifact, opts.maxWorkgroupsPerDispatch);
    checkLimits(m, device.limits, artifact.source);
    const buffers = m.buffers.map((b) => device.createBuffer({
      size: b.size,
      usage: b.kind === 'uniform' ? UNIFORM | COPY_DST : STORAGE | COPY_SRC | COPY_DST,
      label: b.label,
    }));
    // Each kernel's per-dispatch values (a slice's start) go once into its slot; no step changes them.
    for (const k of m.kernels) {
      const slot = k.params && k.bindings.find((b) => b.buffer === m.dispatchParamsBuffer);
      if (!slot) continue;
      const words = new Uint32Array(DISPATCH_PARAMS_BYTES / 4);
      words.set(k.params!);
      device.queue.writeBuffer(buffers[slot.buffer]!, slot.offset ?? 0, words);
    }
    const kernels = await bindKernels(device, artifact, buffers, opts.onPipeline);
    const s = new Session(device, artifact, kernels, buffers, opts);
    s.initialize(m.train.seed);
    return s;
  }

  /**
   * Dispatches each kernel once on scratch buffers, so that drivers which compile at the first
   * dispatch (Mesa's llvmpipe and lavapipe) compile now rather than inside the first step. The
   * session's own buffers are not touched. Returns how many pipelines ran; `onProgress` is told
   * after each one's first run.
   */
  async warmUp(onProgress?: PipelineProgress): Promise<number> {
    this.live();
    // Each first run is waited for in turn, so that a device lost meanwhile names the kernel it was compiling.
    let running: KernelSpec | undefined;
    const lostDuring = (): SessionError => new SessionError(`the GPU device was lost (${this.lost})${running ? ` while compiling ${kernelLabel(running, this.source)}` : ''}; nothing was trained`);
    try {
      const n = await warmUpKernels(this.device, this.manifest.buffers, this.kernels, (done, total, next) => {
        if (this.lost !== undefined) throw lostDuring();
        onProgress?.(done, total);
        running = next;
      });
      if (this.lost !== undefined) throw lostDuring();
      return n;
    } catch (err) {
      if (this.lost !== undefined) throw lostDuring();
      throw new SessionError(`${(err as Error).message} (recompile the artifact with dlc compile; if it persists, it is a bug in dlc)`);
    }
  }

  /** Sets parameters to their initial values (seeded) and all state to its initial value; step = 0. */
  initialize(seed: number = this.manifest.train.seed): void {
    const init = initialTensors(this.manifest.params, seed);
    for (const p of this.manifest.params) this.write(p.name, init.get(p.name)!);
    const state = initialTensors(this.manifest.state, 0);
    for (const s of this.manifest.state) this.write(s.name, state.get(s.name)!);
    this.step = 0;
    this.seed = seed;
  }

  /** Replaces parameters by name (e.g. from a checkpoint); every name and shape must match. */
  setWeights(weights: Map<string, Float32Array | Int32Array>, source = 'weights'): void {
    const slots = this.weightSlots;
    for (const p of slots) {
      const w = weights.get(p.name);
      if (!w) throw new SessionError(`${source} has no tensor '${p.name}' (the model's weights: ${slots.map((q) => q.name).join(', ')})`);
    }
    for (const [name, w] of weights) {
      const p = slots.find((q) => q.name === name);
      if (!p) continue;
      if (!(w instanceof Float32Array)) throw new SessionError(`${source}: '${name}' must be F32`);
      this.write(name, w);
    }
  }

  /** Writes a named input, parameter or state tensor (sizes are checked). */
  write(name: string, data: TensorData): void {
    this.live();
    const slot = this.slots.get(name);
    if (!slot) throw new SessionError(`no tensor named '${name}' (inputs: ${this.manifest.inputs.map((i) => i.name).join(', ')})`);
    const n = slot.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new SessionError(`'${name}' needs ${n} values (shape [${slot.shape.join(', ')}]), got ${data.length}`);
    const wantInt = slot.dtype === 'i32';
    if (wantInt !== data instanceof Int32Array) throw new SessionError(`'${name}' holds ${wantInt ? 'integers (Int32Array: class labels or token ids)' : 'floats (Float32Array)'}`);
    const vocab = (slot as InputSpec).vocab;
    const why = vocab === undefined ? undefined : badTokenIdAt(data, vocab, n / slot.shape[0]!);
    if (why !== undefined) throw new SessionError(`'${name}': ${why}`);
    this.device.queue.writeBuffer(this.buffers[slot.buffer]!, slot.offset ?? 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reads a named parameter, state or input tensor back from the GPU. */
  async read(name: string): Promise<TensorData> {
    const slot = this.slots.get(name);
    if (!slot) throw new SessionError(`no tensor named '${name}'`);
    return (await this.readSlots([slot]))[0]!;
  }

  /** What a checkpoint of the model holds: parameters and layer state (batch norm's running statistics). */
  get weightSlots(): TensorSlot[] {
    return [...this.manifest.params, ...this.manifest.state.filter((s) => s.owner === 'layer')];
  }

  /** Every parameter and layer-state tensor, by name (what a checkpoint saves). */
  async weights(): Promise<Map<string, Float32Array>> {
    const slots = this.weightSlots;
    const vals = await this.readSlots(slots);
    return new Map(slots.map((p, i) => [p.name, vals[i] as Float32Array]));
  }

  /** The optimizer and metric state, by name. */
  async stateTensors(): Promise<Map<string, Float32Array>> {
    const vals = await this.readSlots(this.manifest.state);
    return new Map(this.manifest.state.map((p, i) => [p.name, vals[i] as Float32Array]));
  }

  /**
   * Runs one program: writes the inputs, encodes every dispatch into one command buffer, submits
   * once, and reads back only the outputs named in `read`.
   */
  async run(program: ProgramName, inputs: Record<string, TensorData>, read: string[] = [], step?: StepParams): Promise<Record<string, TensorData>> {
    this.live();
    const work = this.nextWork(program, step);
    const spec = this.manifest.programs[program];
    if (spec.kernels.length === 0) throw new SessionError(`this artifact has no ${program} program${program === 'train_step' ? ' (the model has no train section)' : ''}`);
    for (const name of spec.inputs) {
      const data = inputs[name];
      if (!data) throw new SessionError(`${program} needs input '${name}'`);
      this.write(name, data);
    }
    if (step) {
      const u = new ArrayBuffer(STEP_PARAMS_BYTES);
      new Float32Array(u, 0, 1)[0] = step.lr;
      new Uint32Array(u, 4, 2).set([step.step >>> 0, step.seed >>> 0]);
      this.device.queue.writeBuffer(this.buffers[this.manifest.stepParamsBuffer]!, 0, u);
    }
    const outs = read.map((name) => {
      const o = spec.outputs.find((x) => x.name === name);
      if (!o) throw new SessionError(`${program} has no output '${name}' (outputs: ${spec.outputs.map((x) => x.name).join(', ')})`);
      return o;
    });
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const k of spec.kernels) {
      const { pipeline, bindGroup, spec: ks } = this.kernels[k]!;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...ks.workgroups);
    }
    pass.end();
    const vals = await this.submitAndRead(enc, outs, work);
    return Object.fromEntries(outs.map((o, i) => [o.name, vals[i]!]));
  }

  /**
   * Runs every kernel of a program alone, each in its own submission, calling `after` with the
   * kernel's manifest entry once it finished; `after` returning true stops there. The program's
   * effects happen once, as in run(); train_step advances the step. For inspect.ts (profiling,
   * finding the kernel that went wrong).
   */
  async kernelByKernel(program: ProgramName, inputs: Record<string, TensorData>, after: (k: KernelSpec, ms: number) => Promise<boolean | void>): Promise<void> {
    this.live();
    const spec = this.manifest.programs[program];
    for (const name of spec.inputs) {
      const data = inputs[name];
      if (!data) throw new SessionError(`${program} needs input '${name}'`);
      this.write(name, data);
    }
    if (program === 'train_step') {
      this.step++;
      const u = new ArrayBuffer(STEP_PARAMS_BYTES);
      new Float32Array(u, 0, 1)[0] = this.lr;
      new Uint32Array(u, 4, 2).set([this.step >>> 0, this.seed >>> 0]);
      this.device.queue.writeBuffer(this.buffers[this.manifest.stepParamsBuffer]!, 0, u);
    }
    const work = this.nextWork(program, program === 'train_step' ? { lr: this.lr, step: this.step, seed: this.seed } : undefined);
    await this.watch({ what: work.what }, () => this.device.queue.onSubmittedWorkDone());
    for (const k of spec.kernels) {
      const kernel = this.kernels[k]!;
      const t0 = performance.now();
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, kernel.bindGroup);
      pass.dispatchWorkgroups(...kernel.spec.workgroups);
      pass.end();
      // One kernel of the program takes less than the whole: the program's limit holds for it.
      await this.watch({ what: `${work.what} (kernel '${printable(kernel.spec.name)}' alone)`, program }, async () => {
        this.device.queue.submit([enc.finish()]);
        await this.device.queue.onSubmittedWorkDone();
      }, false);
      if ((await after(kernel.spec, performance.now() - t0)) === true) return;
    }
  }

  /** Reads `bytes` bytes of buffer `buffer` from `offset` as f32 (what a kernel wrote, for inspect.ts). */
  async readRange(buffer: number, offset: number, bytes: number): Promise<Float32Array> {
    const [data] = await this.submitAndRead(this.device.createCommandEncoder(), [{ name: `buffer ${buffer}`, dtype: 'f32', shape: [bytes / 4], buffer, offset }]);
    return data as Float32Array;
  }

  /** One optimizer step on a batch; returns the loss only when asked (reading it back syncs). */
  async trainStep(inputs: Record<string, TensorData>, opts: { readLoss?: boolean } = {}): Promise<number | undefined> {
    const step = this.step + 1;
    const res = await this.run('train_step', inputs, opts.readLoss ? ['loss'] : [], { lr: this.lr, step, seed: this.seed });
    this.step = step;
    return opts.readLoss ? res.loss![0] : undefined;
  }

  /** Σ loss over train steps and Σ correct samples since the last reset. */
  async metricSums(): Promise<{ lossSum: number; correctSum?: number }> {
    const t = this.manifest.train;
    if (!t.lossSum) return { lossSum: NaN };
    const slots = t.correctSum ? [t.lossSum, t.correctSum] : [t.lossSum];
    const v = await this.readSlots(slots);
    return t.correctSum ? { lossSum: v[0]![0]!, correctSum: v[1]![0]! } : { lossSum: v[0]![0]! };
  }

  resetMetrics(): void {
    const t = this.manifest.train;
    for (const s of [t.lossSum, t.correctSum]) if (s) this.device.queue.writeBuffer(this.buffers[s.buffer]!, s.offset ?? 0, new Float32Array([0]));
  }

  /**
   * Copies every parameter and state tensor except the metric sums into `target`, a session of the
   * same model compiled at another batch size on the same device (the partial-batch step), and
   * hands it the step, rate and seed: GPU to GPU, in one submission, no read-back. Names and sizes
   * must match.
   */
  copyTrainingStateTo(target: Session): void {
    this.live();
    target.live();
    if (target.device !== this.device) throw new SessionError('copyTrainingStateTo: the two sessions must share one GPU device');
    const t = this.manifest.train;
    const metric = new Set([t.lossSum?.name, t.correctSum?.name]);
    const enc = this.device.createCommandEncoder();
    for (const s of [...this.manifest.params, ...this.manifest.state]) {
      if (metric.has(s.name)) continue;
      const to = target.slots.get(s.name);
      const bytes = s.shape.reduce((a, b) => a * b, 1) * 4;
      if (!to || to.shape.reduce((a, b) => a * b, 1) * 4 !== bytes) throw new SessionError(`copyTrainingStateTo: the other session has no tensor '${s.name}' of shape [${s.shape.join(', ')}] (compile the same model, only the batch may differ)`);
      enc.copyBufferToBuffer(this.buffers[s.buffer]!, s.offset ?? 0, target.buffers[to.buffer]!, to.offset ?? 0, bytes);
    }
    this.device.queue.submit([enc.finish()]);
    target.step = this.step;
    target.lr = this.lr;
    target.seed = this.seed;
  }

  /**
   * Fills every scratch buffer (not an input, parameter, state or the step block) with NaN, so a
   * kernel that leaves an element unwritten, or reads one nobody wrote, shows up in its output.
   */
  poisonScratch(): void {
    this.live();
    const persistent = new Set([...this.slots.values()].map((s) => s.buffer));
    persistent.add(this.manifest.stepParamsBuffer);
    if (this.manifest.dispatchParamsBuffer !== undefined) persistent.add(this.manifest.dispatchParamsBuffer);
    for (const b of this.manifest.buffers) {
      // Arenas are skipped: the gaps between their tensors must stay zero (the fused optimizer
      // sweeps them), and their tensors are parameters, state or gradients every step rewrites.
      if (persistent.has(b.id) || b.arena) continue;
      this.device.queue.writeBuffer(this.buffers[b.id]!, 0, new Float32Array(b.size / 4).fill(NaN));
    }
  }

  /** Frees every GPU buffer this session made. The device stays open (the caller owns it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) b.destroy();
    for (const b of this.staging.values()) b.destroy();
    // Drop the bind groups and buffer handles too: a disposed session the caller still holds must
    // not keep Dawn objects (and their memory) alive.
    this.buffers.length = 0;
    this.kernels.length = 0;
    this.staging.clear();
  }

  private live(): void {
    if (this.disposed) throw new SessionError('session was disposed');
    if (this.stopped !== undefined) throw new SessionError(this.stopped);
    if (this.lost !== undefined) throw this.lostError();
  }

  private async readSlots(slots: TensorSlot[]): Promise<TensorData[]> {
    return this.submitAndRead(this.device.createCommandEncoder(), slots);
  }

  /** A kernel's source line as messages show it: after the artifact's folder when it was loaded from one. */
  originOf(origin: string): string {
    return this.source === undefined ? printable(origin, 200) : `${printable(this.source, 300)}, compiled from ${printable(origin, 200)}`;
  }

  /** Names the next run of `program`: train steps by their number, eval and predict batches by their place in a row of them. */
  private nextWork(program: ProgramName, step?: StepParams): Work {
    const count = this.lastRun?.program === program ? this.lastRun.count + 1 : 1;
    this.lastRun = { program, count };
    if (program === 'train_step') return { what: step ? `step ${step.step}` : `train step`, program };
    return { what: `${program === 'eval' ? 'eval' : 'predict'} batch ${count}`, program };
  }

  /**
   * Runs `submitAndWait` (which submits GPU work and waits for it) under the deadline of its program.
   * Past the deadline the device is destroyed (the only way WebGPU has to stop work) and the session
   * refuses every later call. `measure` false: the time does not teach the program's usual time.
   */
  private async watch<T>(work: Work, submitAndWait: () => Promise<T>, measure = true): Promise<T> {
    if (this.stopped !== undefined) throw new SessionError(this.stopped);
    const seconds = this.deadlines.limit(work.program);
    // Armed before submitting: with a software driver, submit itself may never return.
    this.opts.watchdog?.arm(seconds, work.what);
    const began = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stopped = timeoutMessage(work.what, seconds, 'device destroyed', this.opts.timeoutNote);
        this.device.destroy();
        reject(new SessionError(this.stopped));
      }, seconds * 1000);
    });
    const done = submitAndWait();
    // After a timeout the pending wait fails too (the device is gone): nobody listens to it any more.
    done.catch(() => {});
    try {
      const out = await Promise.race([done, expired]);
      if (measure && work.program) this.deadlines.record(work.program, (performance.now() - began) / 1000);
      return out;
    } finally {
      clearTimeout(timer);
      this.opts.watchdog?.disarm();
    }
  }

  private async submitAndRead(enc: GPUCommandEncoder, slots: TensorSlot[], work: Work = { what: 'reading results back' }): Promise<TensorData[]> {
    const stage = slots.map((s) => {
      const bytes = s.shape.reduce((a, b) => a * b, 1) * 4;
      const key = `${s.buffer}@${s.offset ?? 0}:${bytes}`;
      let sb = this.staging.get(key);
      if (!sb) {
        sb = this.device.createBuffer({ size: Math.max(4, bytes), usage: MAP_READ | COPY_DST, label: `read ${s.name}` });
        this.staging.set(key, sb);
      }
      enc.copyBufferToBuffer(this.buffers[s.buffer]!, s.offset ?? 0, sb, 0, Math.max(4, bytes));
      return { sb, bytes, s };
    });
    return this.watch(work, async () => {
      this.device.queue.submit([enc.finish()]);
      const submitted = performance.now();
      const pacer = work.program ? this.pacer : undefined;
      const slept = pacer ? await pacer.pause(work.program!) : 0;
      const out: TensorData[] = [];
      // Distinct slots may share a buffer only if they are views; map each staging buffer once.
      for (const { sb, bytes, s } of stage) {
        try {
          await sb.mapAsync(MAP_MODE_READ, 0, Math.max(4, bytes));
        } catch (err) {
          // Reading back is where a lost device shows first; let its handler record why.
          await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 100))]);
          if (this.lost !== undefined) throw this.lostError();
          throw err;
        }
        const copy = sb.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes);
        sb.unmap();
        out.push(s.dtype === 'i32' ? new Int32Array(copy) : new Float32Array(copy));
      }
      if (stage.length === 0) await this.device.queue.onSubmittedWorkDone();
      pacer?.learn(work.program!, performance.now() - submitted, slept);
      return out;
    });
  }
}
