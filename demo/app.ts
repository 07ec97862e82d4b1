// The demo page: compiles the network text in the page, trains it on MNIST with the same runtime as
// Node (navigator.gpu instead of Dawn), draws the curves and the layer graph with the CLI's own
// drawing code (viz/), and classifies digits drawn on a pad. Every change of model (source edit,
// sample, loaded artifact) and every training run starts from a clean slate: no curve, result or
// session of another model survives it. window.dlcDemo exposes the page's state and actions to the
// end-to-end tests.
import type { Artifact } from '../compiler/artifact.ts';
import type { KernelTarget } from '../compiler/ir/kernel-spec.ts';
import { compile } from '../compiler/compile.ts';
import { layerGraph, toSvg } from '../compiler/viz.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { browserDevice, type DeviceHandle } from '../runtime/device.ts';
import { evaluate, predict, trainEpochs, type Samples } from '../runtime/fit.ts';
import { ConfusionMatrix } from '../runtime/metrics.ts';
import { argmax, softmax } from '../runtime/predictions.ts';
import { mnistInputs } from '../runtime/data/mnist-fit.ts';
import { decodeSafetensors } from '../runtime/safetensors.ts';
import { Session } from '../runtime/session.ts';
import { trainingChart, type CurvePoint } from '../viz/training-chart.ts';
import { mnistDigit } from './digit.ts';
import { fetchMnist, samplesFor, type Mnist } from './mnist-data.ts';
import { filesOfFolder, filesOfZip, pickModel, type PickedModel } from './model-files.ts';
import { Pad } from './pad.ts';
import { confusionTable, digitGrid, drawField } from './results.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>('source');
const errors = $<HTMLPreElement>('errors');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const predictButton = $<HTMLButtonElement>('predict');
const epochsField = $<HTMLInputElement>('epochs');
const sampleSelect = $<HTMLSelectElement>('sample');
const fileInputs = ['model-folder', 'model-zip', 'weights-file'].map((id) => $<HTMLInputElement>(id));

/** Digits shown with their answers after training. */
const GRID_DIGITS = 40;

/** What the page shows, for the end-to-end tests. */
interface Status {
  state: string;
  model?: string;
  /** 'untrained', 'trained here', or the file the weights came from. */
  weights: string;
  /** Training loss at each point of the curve; validation loss per epoch. */
  losses: number[];
  valLosses: number[];
  /** Steps trained in the current run. */
  steps: number;
  heldout?: number;
  prediction?: number;
  confusion?: number[][];
  /** Seconds the last Train spent compiling kernels (not counted in the first epoch's speed). */
  compileSeconds?: number;
  error?: string;
}
const status: Status = { state: 'loading', weights: 'untrained', losses: [], valLosses: [], steps: 0 };

let mnist: Mnist | undefined;
let gpu: DeviceHandle | undefined;
/**
 * What the page's kernels are compiled for: SwiftShader (Chromium's software WebGPU) compiles the
 * CPU target's 8-pixel convolution blocks for minutes and loses the device, so it gets its own.
 */
let target: KernelTarget = 'cpu';
/** Why nothing can run here (no WebGPU), shown at load. */
let gpuProblem: string | undefined;
let artifact: Artifact | undefined;
/** Why the current model cannot train on MNIST (the CLI's message), when it cannot. */
let dataProblem: string | undefined;
let session: Session | undefined;
let busy = false;
let stopRequested = false;
let curve: CurvePoint[] = [];
/** The epochs a stopped run trained (fractional): the chart's x-axis spans them, not the epochs asked for. */
let trainedSpan: number | undefined;
/** The 28×28 digit the last prediction saw. */
let seen: Float32Array = new Float32Array(784);
const pad = new Pad($<HTMLCanvasElement>('pad'), () => { $('prediction').replaceChildren(); });

function setState(s: string): void {
  status.state = s;
  $('state').textContent = s;
}

function showError(message: string | undefined): void {
  errors.textContent = message ?? '';
  if (message === undefined) delete status.error;
  else status.error = message;
}

/** Enables what can run now: nothing while training but Stop; nothing GPU-bound without WebGPU. */
function updateControls(): void {
  const usable = !!artifact && !dataProblem && !!gpu;
  trainButton.disabled = busy || !usable || !mnist;
  predictButton.disabled = busy || !usable;
  stopButton.disabled = !busy || stopRequested;
  source.readOnly = busy;
  sampleSelect.disabled = busy;
  for (const input of fileInputs) input.disabled = busy || !gpu;
}

function drawChart(): void {
  const epochs = Math.max(1, Number(epochsField.value) || 1);
  $('chart').innerHTML = trainingChart(curve, { title: status.model ? `${status.model}: training` : 'training', width: 560, height: 330, xRange: [0, trainedSpan ?? epochs] });
}

/** Forgets every result: curves, held-out figures, prediction, drawn digit, confusion matrix, digit grid. */
function resetResults(): void {
  curve = [];
  trainedSpan = undefined;
  status.losses = [];
  status.valLosses = [];
  status.steps = 0;
  delete status.heldout;
  delete status.prediction;
  delete status.confusion;
  delete status.compileSeconds;
  for (const id of ['compile', 'step', 'throughput', 'running', 'heldout', 'prediction', 'prediction-note', 'probs', 'confusion', 'grid']) $(id).replaceChildren();
  seen = new Float32Array(784);
  drawField($<HTMLCanvasElement>('seen'), seen, 3);
  pad.clear();
  // The held-out section (heading, matrix, grid) shows only once there is something in it.
  $('results').hidden = true;
  drawChart();
}

function dropSession(): void {
  session?.dispose();
  session = undefined;
  status.weights = 'untrained';
}

/**
 * Makes `a` the page's model: the session, results and curves of the previous one are dropped, the
 * epochs come from its train section, and its inputs are checked against MNIST as the CLI does.
 */
function setModel(a: Artifact | undefined): void {
  dropSession();
  resetResults();
  artifact = a;
  dataProblem = undefined;
  if (a) {
    status.model = a.manifest.model;
    epochsField.value = String(a.manifest.train.epochs);
    const m = a.manifest;
    const fit = mnistInputs(m);
    if (!m.train.loss) dataProblem = `net.dl has no train section for model '${m.model}': add one with a loss, e.g. loss = cross_entropy(logits, label)`;
    else if ('error' in fit) dataProblem = fit.error;
    drawChart();
  } else {
    delete status.model;
  }
  showError(dataProblem);
  if (status.state !== 'loading' && !gpuProblem) setState(!a ? 'no model' : dataProblem ? 'cannot train on MNIST' : 'ready');
  updateControls();
}

/** A signature of an artifact: an edit that compiles to the same one (a comment) keeps the trained state. */
const signature = (a: Artifact): string => JSON.stringify(a.manifest) + Object.values(a.shaders).join('');
let currentSignature = '';

function recompile(): void {
  const r = compile(source.value, { file: 'net.dl', target });
  if (!r.ok) {
    currentSignature = '';
    setModel(undefined);
    showError(formatDiagnostics(r.diagnostics, source.value));
    $('graph').classList.add('stale');
    return;
  }
  // The layer graph comes from the compile's snapshot before fusion: no second compile.
  $('graph').innerHTML = toSvg(layerGraph(r));
  $('graph').classList.remove('stale');
  const sig = signature(r.artifact!);
  if (sig === currentSignature) return;
  currentSignature = sig;
  setModel(r.artifact!);
}

async function loadSample(name: string): Promise<void> {
  source.value = await (await fetch(`/samples/${name}.dl`)).text();
  recompile();
}

/** The model's digits (a model that does not fit MNIST never gets here: dataProblem stops it). */
function dataOf(split: 'train' | 'test'): Samples {
  const d = samplesFor(artifact!.manifest, mnist![split]);
  if ('error' in d) throw new Error(d.error);
  return d;
}

/** Thrown from the step callback when Stop was pressed: training ends after the current step. */
class StopRequested extends Error {}

async function train(): Promise<void> {
  if (busy || !artifact || !mnist || !gpu || dataProblem) return;
  busy = true;
  stopRequested = false;
  const a = artifact;
  dropSession();
  resetResults();
  updateControls();
  const epochs = Math.max(1, Math.floor(Number(epochsField.value)) || 1);
  let where = { epoch: 0, step: 0, perEpoch: 1 };
  try {
    // Kernels compile before the first step (pipelines, then a first run each, where drivers such as
    // Mesa's compile), counted on the page and timed apart from training.
    const count = Object.keys(a.shaders).length;
    const head = `compiling ${count} kernel${count === 1 ? '' : 's'}`;
    const compileStart = performance.now();
    setState(head);
    const s = (session = await Session.create(a, gpu.device, { onPipeline: (done, total) => setState(`${head}: pipelines ${done}/${total}`) }));
    await s.warmUp((done, total) => setState(`${head}: first runs ${done}/${total}`));
    status.compileSeconds = (performance.now() - compileStart) / 1000;
    $('compile').textContent = `compiled ${count} kernel${count === 1 ? '' : 's'} in ${status.compileSeconds.toFixed(1)} s`;
    status.weights = 'trained here';
    const test = dataOf('test');
    const B = s.manifest.batch;
    let t0 = performance.now();
    setState('training');
    for await (const e of trainEpochs(s, dataOf('train'), {
      epochs,
      onStep: async (step, perEpoch, epoch) => {
        where = { epoch, step, perEpoch };
        status.steps = (epoch - 1) * perEpoch + step;
        if (step === 1) t0 = performance.now();
        if (step % 5 === 0 || step === perEpoch || stopRequested) {
          // Reading the running sums waits for the GPU: every 5 steps is enough for a smooth curve.
          const sums = await s.metricSums();
          const accuracy = sums.correctSum !== undefined ? sums.correctSum / (step * B) : undefined;
          curve.push({ x: epoch - 1 + step / perEpoch, loss: sums.lossSum / step, lr: s.lr, ...(accuracy !== undefined ? { accuracy } : {}) });
          status.losses.push(sums.lossSum / step);
          $('step').textContent = `epoch ${epoch}/${epochs}, step ${step}/${perEpoch}`;
          $('throughput').textContent = `${Math.round((step * B) / ((performance.now() - t0) / 1000)).toLocaleString('en-US')} samples/s`;
          $('running').textContent = `loss ${(sums.lossSum / step).toFixed(4)}${accuracy !== undefined ? `, accuracy ${(accuracy * 100).toFixed(1)}%` : ''}`;
          drawChart();
        }
        if (stopRequested) throw new StopRequested();
      },
    })) {
      await heldOut(s, test, `after epoch ${e.epoch}`);
      curve.push({ x: e.epoch, val_loss: status.valLosses.at(-1)!, ...(status.heldout !== undefined ? { val_accuracy: status.heldout } : {}) });
      drawChart();
    }
    await showResults(s, test);
    setState('trained');
  } catch (err) {
    try {
      if (!(err instanceof StopRequested) || !session) throw err;
      setState('stopping: evaluating the held-out digits');
      // The weights changed since the last epoch's evaluation: what the page shows must be theirs.
      await heldOut(session, dataOf('test'), `after stopping at epoch ${where.epoch}, step ${where.step} of ${where.perEpoch}`);
      await showResults(session, dataOf('test'));
      trainedSpan = where.epoch - 1 + where.step / where.perEpoch;
      drawChart();
      setState(`stopped after epoch ${where.epoch}, step ${where.step}`);
    } catch (failure) {
      showError((failure as Error).message);
      setState('failed');
    }
  } finally {
    busy = false;
    stopRequested = false;
    updateControls();
  }
}

/** Evaluates the held-out digits and shows loss and accuracy. */
async function heldOut(s: Session, test: Samples, when: string): Promise<void> {
  const ev = await evaluate(s, test);
  status.valLosses.push(ev.loss);
  if (ev.accuracy !== undefined) status.heldout = ev.accuracy;
  $('heldout').textContent = `held-out (${test.count.toLocaleString('en-US')} test digits) ${when}: loss ${ev.loss.toFixed(4)}${ev.accuracy !== undefined ? `, accuracy ${(ev.accuracy * 100).toFixed(2)}%` : ''}`;
}

/** The confusion matrix of the held-out digits and a grid of the first of them with their answers. */
async function showResults(s: Session, test: Samples): Promise<void> {
  const out = await predict(s, test);
  const logits = out[s.manifest.train.prediction] ?? Object.values(out)[0]!;
  const k = logits.length / test.count;
  const answers = Array.from({ length: test.count }, (_, i) => argmax(logits, i * k, k));
  const cm = new ConfusionMatrix(10);
  answers.forEach((p, i) => cm.add(mnist!.test.labels[i]!, p));
  status.confusion = cm.counts;
  $('confusion').replaceChildren(confusionTable(cm.counts));
  $('grid').replaceChildren(digitGrid(mnist!.test.images, mnist!.test.labels, answers.slice(0, GRID_DIGITS)));
  $('results').hidden = false;
}

async function predictPad(): Promise<number> {
  if (!artifact || !gpu || dataProblem) throw new Error(dataProblem ?? gpuProblem ?? 'no model to predict with');
  session ??= await Session.create(artifact, gpu.device);
  const fit = mnistInputs(session.manifest);
  if ('error' in fit) throw new Error(fit.error);
  seen = mnistDigit(pad.grey(), pad.canvas.width, pad.canvas.height);
  drawField($<HTMLCanvasElement>('seen'), seen, 3);
  const out = await predict(session, { count: 1, tensors: { [fit.image]: seen } });
  const z = (out[session.manifest.train.prediction] ?? Object.values(out)[0]!).subarray(0, 10);
  const probs = softmax(z, 0, z.length);
  const best = argmax(probs, 0, probs.length);
  status.prediction = best;
  $('prediction').textContent = `prediction: ${best}`;
  $('prediction-note').textContent = status.weights === 'untrained' ? 'untrained model (random weights): train it or load trained weights first' : '';
  $('probs').innerHTML = probs.map((p, k) => `<div class="bar">${k} <div style="width:${Math.round(p * 160)}px"></div> ${(p * 100).toFixed(1)}%</div>`).join('');
  return best;
}

/** Loads a trained model picked as one folder or zip: artifact, weights, then its held-out results. */
async function loadPicked(pick: () => Promise<PickedModel>): Promise<void> {
  if (busy || !gpu) return;
  busy = true;
  updateControls();
  try {
    setState('loading the model');
    const p = await pick();
    currentSignature = signature(p.artifact);
    setModel(p.artifact);
    source.value = `# compiled artifact '${p.artifact.manifest.model}' from ${p.source}\n# (an artifact holds kernels, not its .dl source: pick a sample or type here to compile source)\n`;
    sampleSelect.value = 'artifact';
    $('graph').classList.remove('stale');
    $('graph').replaceChildren(Object.assign(document.createElement('p'), { textContent: `The layer graph is drawn from .dl source; ${p.source} holds a compiled artifact.` }));
    if (dataProblem) return;
    const s = (session = await Session.create(p.artifact, gpu.device));
    if (p.weights) await setWeightsFrom(s, p.weights.bytes, p.weights.name);
    else setState(`loaded '${p.artifact.manifest.model}' without weights (untrained): train it here`);
  } catch (err) {
    showError((err as Error).message);
    setState('failed');
  } finally {
    busy = false;
    updateControls();
  }
}

/** Puts weights (safetensors) into the session and evaluates them on the held-out digits. */
async function setWeightsFrom(s: Session, bytes: Uint8Array, name: string): Promise<void> {
  resetResults();
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  s.setWeights(new Map([...tensors].map(([k, t]) => [k, t.data as Float32Array])), name);
  status.weights = name;
  setState('evaluating the held-out digits');
  const test = dataOf('test');
  await heldOut(s, test, `with ${name}`);
  await showResults(s, test);
  const recorded = Number(metadata.heldout_accuracy);
  const claimed = metadata.heldout_accuracy !== undefined && Number.isFinite(recorded) ? ` (${(recorded * 100).toFixed(2)}% when trained)` : '';
  setState(`loaded weights from ${name}${claimed}`);
}

/** For the Node-vs-page test: trains `steps` steps of the served artifact on the first training digits. */
async function trainServedArtifact(steps: number): Promise<number[]> {
  const files = new Map<string, () => Promise<Uint8Array>>();
  const get = (path: string) => async () => new Uint8Array(await (await fetch(`/artifact/${path}`)).arrayBuffer());
  files.set('manifest.json', get('manifest.json'));
  const manifest = JSON.parse(new TextDecoder().decode(await files.get('manifest.json')!())) as Artifact['manifest'];
  for (const k of manifest.kernels) files.set(`kernels/${k.shader}`, get(`kernels/${k.shader}`));
  const { artifact: a } = await pickModel(files, 'served artifact');
  const s = await Session.create(a, gpu!.device);
  const data = samplesFor(a.manifest, mnist!.train);
  if ('error' in data) throw new Error(data.error);
  const B = a.manifest.batch;
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const batch: Record<string, Float32Array | Int32Array> = {};
    for (const n of a.manifest.programs.train_step.inputs) {
      const src = data.tensors[n]!;
      const per = src.length / data.count;
      batch[n] = src.slice(k * B * per, (k + 1) * B * per) as Float32Array | Int32Array;
    }
    losses.push((await s.trainStep(batch, { readLoss: true }))!);
  }
  s.dispose();
  return losses;
}

/** Opens a device at load, or says why there is none and what would give one. */
async function checkWebGpu(): Promise<void> {
  const hint = 'Use a browser with WebGPU: Chrome or Edge 113 or later, Safari 26, Firefox 141 on Windows; on Linux, Chrome with chrome://flags/#enable-unsafe-webgpu. You can still edit the network and see its graph.';
  if (!('gpu' in navigator) || !navigator.gpu) {
    gpuProblem = `This browser offers no WebGPU (navigator.gpu is missing${window.isSecureContext ? '' : ': the page must be opened as https:// or http://localhost'}), so nothing can train or predict here. ${hint}`;
  } else {
    try {
      gpu = await browserDevice();
      if (/swiftshader/i.test(gpu.description)) target = 'swiftshader';
      $('adapter').textContent = `adapter: ${gpu.description || 'WebGPU'}`;
      void gpu.device.lost.then((info) => {
        gpu = undefined;
        session = undefined;
        gpuProblem = `The GPU device was lost (${info.message || info.reason}): reload the page.`;
        $('gpu-status').textContent = gpuProblem;
        $('gpu-status').hidden = false;
        updateControls();
      });
    } catch (err) {
      gpuProblem = `WebGPU is present but gave no device: ${(err as Error).message}. ${hint}`;
    }
  }
  if (gpuProblem) {
    $('gpu-status').textContent = gpuProblem;
    $('gpu-status').hidden = false;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
source.addEventListener('input', () => {
  sampleSelect.value = 'edited';
  clearTimeout(timer);
  timer = setTimeout(recompile, 250);
});
sampleSelect.addEventListener('change', () => { void loadSample(sampleSelect.value); });
epochsField.addEventListener('change', () => { if (!busy) drawChart(); });
trainButton.addEventListener('click', () => { void train(); });
stopButton.addEventListener('click', () => {
  stopRequested = true;
  setState('stopping after this step');
  updateControls();
});
predictButton.addEventListener('click', () => { predictPad().catch((err: Error) => showError(err.message)); });
$('clear').addEventListener('click', () => { pad.clear(); $('prediction').replaceChildren(); });
$<HTMLInputElement>('model-folder').addEventListener('change', (ev) => {
  const picked = Array.from((ev.target as HTMLInputElement).files ?? []);
  if (!picked.length) return;
  const { name, files } = filesOfFolder(picked);
  void loadPicked(() => pickModel(files, name));
});
$<HTMLInputElement>('model-zip').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void loadPicked(async () => pickModel(filesOfZip(new Uint8Array(await f.arrayBuffer()), f.name), f.name));
});
$<HTMLInputElement>('weights-file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (!f || busy || !artifact || !gpu || dataProblem) return;
  busy = true;
  updateControls();
  (async () => {
    session ??= await Session.create(artifact!, gpu!.device);
    await setWeightsFrom(session, new Uint8Array(await f.arrayBuffer()), f.name);
  })().catch((err: Error) => { showError(err.message); setState('failed'); }).finally(() => { busy = false; updateControls(); });
});

Object.assign(window, {
  dlcDemo: {
    status,
    drawTestDigit: (index: number): number => { pad.paint(mnist!.test.images.subarray(index * 784, index * 784 + 784)); return mnist!.test.labels[index]!; },
    predictPad,
    trainServedArtifact,
    setSource: (text: string): void => { source.value = text; sampleSelect.value = 'edited'; recompile(); },
    /** The 28×28 digit the last prediction saw. */
    seen: (): number[] => Array.from(seen),
    /** Whether nothing is drawn on the pad. */
    padBlank: (): boolean => pad.grey().every((v) => v === 0),
  },
});

updateControls();
// The sample compiles once the adapter (and so the kernels' target) is known.
await Promise.all([checkWebGpu().then(() => loadSample('mnist_mlp')), fetchMnist().then((m) => { mnist = m; })]);
setState(gpuProblem ? 'no webgpu' : !artifact ? 'no model' : dataProblem ? 'cannot train on MNIST' : 'ready');
updateControls();
