// Generated programs wide enough to need more storage bindings than a device allows if fused into one
// kernel: many parameters under clipping and L1/L2 penalties, and a loss over a sum of many branches.
import { Rng } from '../../runtime/random.ts';

export interface WideProgram {
  /** A short name for test titles. */
  name: string;
  source: string;
  /** Trainable tensors (each dense layer has a kernel and a bias). */
  params: number;
  /** Inputs for one batch. */
  inputs: Record<string, Float32Array | Int32Array>;
}

/** What a generated program trains with. */
export interface WideSpec {
  seed: number;
  /** Parallel branches summed into the prediction (at least 1). */
  branches: number;
  /** Dense layers per branch. */
  depth: number;
  clip?: string;
  regularize?: string;
  optimizer: string;
  loss: 'cross_entropy' | 'mse';
}

const IN = 5;
const OUT = 3;
const BATCH = 4;

/**
 * A program of `branches` branches from one input, each the same `depth` dense layers of widths and
 * activations drawn from the seed, summed into the prediction: 2 · branches · depth parameters.
 */
export function wideProgram(spec: WideSpec): WideProgram {
  const rng = new Rng(spec.seed);
  const acts = ['tanh', 'sigmoid', 'relu'];
  // Every branch has the same layers, so their kernels share shaders: the OpenGL ES adapter compiles
  // each distinct shader at its first dispatch, seconds apiece on a loaded machine.
  const layers = Array.from({ length: spec.depth }, (_, k) => {
    if (k === spec.depth - 1) return `dense(${OUT})`;
    return `dense(${2 + rng.int(4)}, activation: ${acts[rng.int(acts.length)]!})`;
  });
  const lines = Array.from({ length: spec.branches }, (_, b) => `  b${b + 1} = x -> ${layers.join(' -> ')}`);
  const sum = Array.from({ length: spec.branches }, (_, b) => `b${b + 1}`).join(' + ');
  const target = spec.loss === 'cross_entropy' ? `class[${OUT}]` : `f32[${OUT}]`;
  const settings = [
    `loss = ${spec.loss}(pred, y)`, `optimizer = ${spec.optimizer}`, `batch = ${BATCH}`, `seed = ${spec.seed}`,
    ...(spec.clip ? [`clip = ${spec.clip}`] : []), ...(spec.regularize ? [`regularize = ${spec.regularize}`] : []),
  ];
  const source = `model wide {
  input x: f32[${IN}]
  input y: ${target}
${lines.join('\n')}
  pred = ${spec.branches === 1 ? 'b1' : sum}
  output pred
}
train wide { ${settings.join('; ')} }
`;
  const data = new Rng(spec.seed + 1000);
  const x = Float32Array.from({ length: BATCH * IN }, () => data.normal());
  const y = spec.loss === 'cross_entropy'
    ? Int32Array.from({ length: BATCH }, () => data.int(OUT))
    : Float32Array.from({ length: BATCH * OUT }, () => data.normal());
  const name = `${spec.branches}×${spec.depth} dense, ${spec.loss}, ${spec.optimizer}${spec.clip ? `, clip ${spec.clip}` : ''}${spec.regularize ? `, ${spec.regularize}` : ''}`;
  return { name, source, params: 2 * spec.branches * spec.depth, inputs: { x, y } };
}

/**
 * The programs issue 20 named: clipping by global norm and by value, l1, l2 and l1_l2 penalties, and
 * sums of many branches, with up to 64 parameters; branch counts, widths and activations drawn from `seed`.
 */
export function widePrograms(seed = 20): WideProgram[] {
  const rng = new Rng(seed);
  const pick = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
  return [
    wideProgram({ seed: seed + 1, branches: 32, depth: 1, clip: 'global_norm(0.05)', optimizer: 'sgd(lr: 0.5)', loss: 'cross_entropy' }),
    wideProgram({ seed: seed + 2, branches: 16, depth: 2, clip: 'value(0.01)', regularize: 'l1_l2(l1: 0.001, l2: 0.01)', optimizer: 'adam(lr: 0.01)', loss: 'cross_entropy' }),
    wideProgram({ seed: seed + 3, branches: pick(8, 12), depth: 2, clip: 'global_norm(0.1)', regularize: 'l2(0.01)', optimizer: 'adam(lr: 0.01)', loss: 'mse' }),
    wideProgram({ seed: seed + 4, branches: pick(8, 10), depth: 3, regularize: 'l1(0.001)', optimizer: 'sgd(lr: 0.1, momentum: 0.9)', loss: 'mse' }),
  ];
}
