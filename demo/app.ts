// The demo page: compiles the network text in the page, trains it on MNIST with the same runtime as
// Node (navigator.gpu instead of Dawn), draws the loss and accuracy per step, and classifies digits
// drawn on a canvas. window.dlcDemo exposes the same actions to the end-to-end test.
import type { Artifact } from '../compiler/artifact.ts';
import { compile } from '../compiler/compile.ts';
import { layerGraph, toSvg } from '../compiler/viz.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { browserDevice, type DeviceHandle } from '../runtime/device.ts';
import { evaluate, predict, trainEpochs, type Samples } from '../runtime/fit.ts';
import { decodeSafetensors } from '../runtime/safetensors.ts';
import { Session } from '../runtime/session.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>('source');
const errors = $<HTMLPreElement>('errors');
const state = $<HTMLSpanElement>('state');
const trainButton = $<HTMLButtonElement>('train');

interface Mnist { train: Samples; test: Samples; testImages: Float32Array; testLabels: Int32Array }
let mnist: Mnist | undefined;
let gpu: DeviceHandle | undefined;
let artifact: Artifact | undefined;
let session: Session | undefined;
let busy = false;
const curve: { step: number; loss: number; accuracy?: number }[] = [];
const status: { state: string; losses: number[]; heldout?: number; prediction?: number; error?: string } = { state: 'loading', losses: [] };

function setState(s: string): void {
  status.state = s;
  state.textContent = s;
}

/** MNIST from the server: u32 counts, then bytes of pixels and labels per split (see server.ts). */
async function loadMnist(): Promise<Mnist> {
  const bytes = new Uint8Array(await (await fetch('/mnist.bin')).arrayBuffer());
  const [nTrain, nTest] = new Uint32Array(bytes.buffer.slice(0, 8));
  let o = 8;
  const split = (n: number) => {
    const images = Float32Array.from(bytes.subarray(o, o + n * 784), (v) => v / 255);
    o += n * 784;
    const labels = Int32Array.from(bytes.subarray(o, o + n));
    o += n;
    return { images, labels };
  };
  const tr = split(nTrain!);
  const te = split(nTest!);
  const wrap = (d: { images: Float32Array; labels: Int32Array }, n: number): Samples => ({ count: n, tensors: { image: d.images, label: d.labels } });
  return { train: wrap(tr, nTrain!), test: wrap(te, nTest!), testImages: te.images, testLabels: te.labels };
}

/** The data keyed by this model's inputs (its f32 input takes the images, its class input the labels). */
function dataFor(a: Artifact, d: Samples): Samples {
  const image = a.manifest.inputs.find((i) => i.dtype === 'f32')!;
  const label = a.manifest.inputs.find((i) => i.dtype === 'i32');
  return { count: d.count, tensors: { [image.name]: d.tensors.image!, ...(label ? { [label.name]: d.tensors.label! } : {}) } };
}

function recompile(): void {
  const r = compile(source.value, { file: 'net.dl' });
  if (!r.ok) {
    errors.textContent = formatDiagnostics(r.diagnostics, source.value);
    status.error = errors.textContent;
    trainButton.disabled = true;
    return;
  }
  errors.textContent = '';
  delete status.error;
  artifact = r.artifact!;
  session?.dispose();
  session = undefined;
  trainButton.disabled = busy;
  // The layer graph comes from the compile's snapshot before fusion: no second compile.
  $('graph').innerHTML = toSvg(layerGraph(r));
}

function drawChart(): void {
  const c = $<HTMLCanvasElement>('chart');
  const g = c.getContext('2d')!;
  g.clearRect(0, 0, c.width, c.height);
  if (curve.length < 2) return;
  const last = curve[curve.length - 1]!.step;
  const maxLoss = Math.max(...curve.map((p) => p.loss)) * 1.05;
  const line = (color: string, y: (p: (typeof curve)[number]) => number | undefined): void => {
    g.strokeStyle = color;
    g.beginPath();
    let first = true;
    for (const p of curve) {
      const v = y(p);
      if (v === undefined) continue;
      const x = 30 + (p.step / last) * (c.width - 40);
      const yy = c.height - 20 - v * (c.height - 30);
      if (first) g.moveTo(x, yy);
      else g.lineTo(x, yy);
      first = false;
    }
    g.stroke();
  };
  line('#1f77b4', (p) => p.loss / maxLoss);
  line('#d62728', (p) => p.accuracy);
  g.fillStyle = '#223';
  g.fillText(`loss (blue, max ${maxLoss.toFixed(2)}) and accuracy (red, 0–100%) per step`, 30, 12);
}

async function ensureSession(): Promise<Session> {
  gpu ??= await browserDevice();
  $('adapter').textContent = `adapter: ${gpu.description || 'WebGPU'}`;
  session ??= await Session.create(artifact!, gpu.device);
  return session;
}

async function train(): Promise<void> {
  if (busy || !artifact || !mnist) return;
  busy = true;
  trainButton.disabled = true;
  try {
    setState('compiling kernels');
    const s = await ensureSession();
    const epochs = Math.max(1, Number($<HTMLInputElement>('epochs').value) || 1);
    const B = s.manifest.batch;
    const trainData = dataFor(artifact, mnist.train);
    let t0 = performance.now();
    let steps = 0;
    setState('training');
    for await (const e of trainEpochs(s, trainData, {
      epochs,
      onStep: async (step, perEpoch, epoch) => {
        if (step === 1) t0 = performance.now();
        steps = (epoch - 1) * perEpoch + step;
        if (step % 5 !== 0 && step !== perEpoch) return;
        // Reading the running sums waits for the GPU: every 5 steps is enough for a smooth curve.
        const sums = await s.metricSums();
        const point = { step: steps, loss: sums.lossSum / step, ...(sums.correctSum !== undefined ? { accuracy: sums.correctSum / (step * B) } : {}) };
        curve.push(point);
        status.losses.push(point.loss);
        $('step').textContent = `epoch ${epoch}/${epochs}, step ${step}/${perEpoch}`;
        $('throughput').textContent = `${Math.round((step * B) / ((performance.now() - t0) / 1000)).toLocaleString('en-US')} samples/s`;
        $('running').textContent = `loss ${point.loss.toFixed(4)}${point.accuracy !== undefined ? `, accuracy ${(point.accuracy * 100).toFixed(1)}%` : ''}`;
        drawChart();
      },
    })) {
      const ev = await evaluate(s, dataFor(artifact, mnist.test));
      status.heldout = ev.accuracy;
      $('heldout').textContent = `held-out (2,000 digits) after epoch ${e.epoch}: loss ${ev.loss.toFixed(4)}${ev.accuracy !== undefined ? `, accuracy ${(ev.accuracy * 100).toFixed(2)}%` : ''}`;
    }
    setState('trained');
  } catch (err) {
    status.error = (err as Error).message;
    errors.textContent = status.error;
    setState('failed');
  } finally {
    busy = false;
    trainButton.disabled = !artifact;
  }
}

// The drawing pad: white strokes on black, read back as 28×28 by averaging 10×10 blocks.
const pad = $<HTMLCanvasElement>('pad');
const pen = pad.getContext('2d', { willReadFrequently: true })!;
function clearPad(): void {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, pad.width, pad.height);
}
let drawing = false;
pad.addEventListener('pointerdown', (e) => { drawing = true; stroke(e); });
pad.addEventListener('pointermove', (e) => { if (drawing) stroke(e); });
window.addEventListener('pointerup', () => { drawing = false; });
function stroke(e: PointerEvent): void {
  pen.fillStyle = '#fff';
  pen.beginPath();
  pen.arc(e.offsetX, e.offsetY, 11, 0, Math.PI * 2);
  pen.fill();
}

function padPixels(): Float32Array {
  const img = pen.getImageData(0, 0, 280, 280).data;
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      let s = 0;
      for (let dy = 0; dy < 10; dy++) for (let dx = 0; dx < 10; dx++) s += img[((y * 10 + dy) * 280 + x * 10 + dx) * 4]!;
      out[y * 28 + x] = s / 100 / 255;
    }
  }
  return out;
}

/** Paints test digit `index` on the pad, each pixel a 10×10 block (so padPixels gives it back). */
function drawTestDigit(index: number): number {
  const px = mnist!.testImages.subarray(index * 784, index * 784 + 784);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(px[i]! * 255);
    pen.fillStyle = `rgb(${v},${v},${v})`;
    pen.fillRect((i % 28) * 10, Math.floor(i / 28) * 10, 10, 10);
  }
  return mnist!.testLabels[index]!;
}

async function predictPad(): Promise<number> {
  const s = await ensureSession();
  const image = s.manifest.inputs.find((i) => i.dtype === 'f32')!;
  const out = await predict(s, { count: 1, tensors: { [image.name]: padPixels() } });
  const logits = out[s.manifest.train.prediction] ?? Object.values(out)[0]!;
  const z = Array.from(logits.subarray(0, 10));
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const sum = e.reduce((a, b) => a + b, 0);
  const probs = e.map((v) => v / sum);
  const best = probs.indexOf(Math.max(...probs));
  status.prediction = best;
  $('prediction').textContent = `prediction: ${best}`;
  $('probs').innerHTML = probs.map((p, k) => `<div class="bar">${k} <div style="width:${Math.round(p * 160)}px"></div> ${(p * 100).toFixed(1)}%</div>`).join('');
  return best;
}

/** An artifact from the server's --artifact folder or from files the user picked. */
async function artifactFromFiles(files: Map<string, string>): Promise<Artifact> {
  const text = files.get('manifest.json');
  if (!text) throw new Error('pick manifest.json together with the kernels/*.wgsl files');
  const manifest = JSON.parse(text) as Artifact['manifest'];
  const shaders: Record<string, string> = {};
  for (const k of manifest.kernels) {
    const code = files.get(k.shader);
    if (code === undefined) throw new Error(`kernel file ${k.shader} is missing: pick every file under kernels/`);
    shaders[k.shader] = code;
  }
  return { manifest, shaders };
}

/** For the Node-vs-page test: trains `steps` steps of the served artifact on the first training digits. */
async function trainServedArtifact(steps: number): Promise<number[]> {
  const manifest = await (await fetch('/artifact/manifest.json')).json() as Artifact['manifest'];
  const files = new Map<string, string>([['manifest.json', JSON.stringify(manifest)]]);
  for (const k of manifest.kernels) files.set(k.shader, await (await fetch(`/artifact/kernels/${k.shader}`)).text());
  const a = await artifactFromFiles(files);
  gpu ??= await browserDevice();
  const s = await Session.create(a, gpu.device);
  const data = dataFor(a, mnist!.train);
  const B = a.manifest.batch;
  const names = a.manifest.programs.train_step.inputs;
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const batch: Record<string, Float32Array | Int32Array> = {};
    for (const n of names) {
      const src = data.tensors[n]!;
      const per = src.length / data.count;
      batch[n] = src.slice(k * B * per, (k + 1) * B * per) as Float32Array | Int32Array;
    }
    losses.push((await s.trainStep(batch, { readLoss: true }))!);
  }
  s.dispose();
  return losses;
}

$<HTMLInputElement>('artifact-files').addEventListener('change', async (ev) => {
  const files = new Map<string, string>();
  for (const f of Array.from((ev.target as HTMLInputElement).files ?? [])) files.set(f.name, await f.text());
  try {
    artifact = await artifactFromFiles(files);
    session?.dispose();
    session = undefined;
    errors.textContent = '';
    trainButton.disabled = false;
    setState(`loaded artifact '${artifact.manifest.model}'`);
  } catch (err) {
    errors.textContent = (err as Error).message;
  }
});
$<HTMLInputElement>('weights-file').addEventListener('change', async (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (!f) return;
  try {
    const s = await ensureSession();
    const { tensors } = decodeSafetensors(new Uint8Array(await f.arrayBuffer()), f.name);
    s.setWeights(new Map([...tensors].map(([k, t]) => [k, t.data as Float32Array])), f.name);
    setState(`weights loaded from ${f.name}`);
  } catch (err) {
    errors.textContent = (err as Error).message;
  }
});

async function loadSample(name: string): Promise<void> {
  source.value = await (await fetch(`/samples/${name}.dl`)).text();
  recompile();
}

let timer: ReturnType<typeof setTimeout> | undefined;
source.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(recompile, 250);
});
$<HTMLSelectElement>('sample').addEventListener('change', (e) => { void loadSample((e.target as HTMLSelectElement).value); });
trainButton.addEventListener('click', () => { void train(); });
$('predict').addEventListener('click', () => { void predictPad(); });
$('clear').addEventListener('click', clearPad);

Object.assign(window, {
  dlcDemo: { status, drawTestDigit, predictPad, trainServedArtifact, setSource: (t: string) => { source.value = t; recompile(); } },
});

clearPad();
await loadSample('mnist_mlp');
mnist = await loadMnist();
setState('ready');
