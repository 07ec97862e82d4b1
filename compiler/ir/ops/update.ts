// In-place updates: optimizer rules (Keras semantics) and metric accumulators.
import { f32Lit, flatGroup, flatIndex, grid, u32Lit } from '../../codegen/wgsl/common.ts';
import { numel, sameShape, shapeStr, tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import type { EmittedKernel, KernelIO } from '../../codegen/wgsl/kernel-io.ts';
import { ShapeError, type StepContext, type TensorType, type UpdateDef } from './def.ts';

const WG = 64;
/** vec4s per invocation when the element count is a multiple of 4. */
const VECS = 4;

/**
 * 1 − βᵗ from ln β, without the cancellation of 1.0 − pow(β, t) in f32 (for β = 0.999 that loses
 * about four digits): −expm1(t·ln β), by its Taylor series near 0 and 1 − exp otherwise.
 */
const ONE_MINUS_POW_WGSL = `fn dlc_one_minus_pow(log_beta: f32, t: f32) -> f32 {
  let x = t * log_beta;
  if (x > -0.1) {
    return -x * (1.0 + x * (0.5 + x * (${f32Lit(1 / 6)} + x * (${f32Lit(1 / 24)} + x * (${f32Lit(1 / 120)} + x * (${f32Lit(1 / 720)} + x * ${f32Lit(1 / 5040)}))))));
  }
  return 1.0 - exp(x);
}`;
const n = (a: Attrs, k: string): number => a[k] as number;

function sameShapes(ins: TensorType[]): void {
  for (const t of ins.slice(1)) {
    if (!sameShape(t.shape, ins[0]!.shape)) throw new ShapeError(`update operands differ: ${shapeStr(ins[0]!.shape)} and ${shapeStr(t.shape)}`);
  }
}

/**
 * Gradient clipping every optimizer rule takes (Keras clipvalue / global_clipnorm): attrs
 * clip_value c clamps each gradient element to [−c, c]; attrs clip_norm c scales every gradient by
 * min(1, c / ‖g‖) where ‖g‖² (over all parameters) is one more input after the states.
 */
const clipValue = (a: Attrs): number => (a.clip_value as number | undefined) ?? 0;
const clipNorm = (a: Attrs): number => (a.clip_norm as number | undefined) ?? 0;
/** Trailing operands of an optimizer update that every parameter shares: the squared global norm when clipping by norm. */
export const sharedUpdateOperands = (a: Attrs): number => (clipNorm(a) > 0 ? 1 : 0);
/** Scale from the global squared norm; a zero norm leaves the (zero) gradient alone. */
export const normScale = (limit: number, sumsq: number): number => (sumsq > 0 ? Math.min(1, limit / Math.sqrt(sumsq)) : 1);

/**
 * An element-wise in-place update. `ref` maps (p, g, ...states) at one element to their new values;
 * `wgsl` is the same rule as WGSL statements over `p`, `g`, `s0`, `s1` (vars) and `lr`, `t` (lets).
 */
function elementUpdate(
  doc: string,
  states: number,
  ref: (p: number, g: number, s: number[], a: Attrs, ctx: StepContext) => number[],
  wgsl: (a: Attrs) => string,
): UpdateDef {
  const writes = [0, ...Array.from({ length: states }, (_, i) => i + 2)];
  const own = 2 + states;
  return {
    kind: 'update', doc, arity: own, variadic: true, writes, usesStep: true, vjp: null,
    check: (ins, a) => {
      sameShapes(ins.slice(0, own));
      const extra = sharedUpdateOperands(a);
      if (ins.length !== own + extra) throw new ShapeError(`update takes ${own + extra} operands${extra ? ' (the last: the squared global gradient norm)' : ''}, got ${ins.length}`);
      if (extra && numel(ins[own]!.shape) !== 1) throw new ShapeError(`the squared gradient norm must be one value, got ${shapeStr(ins[own]!.shape)}`);
    },
    reference: (ins, attrs, ctx) => {
      const outs = writes.map((w) => tensor(ins[w]!.shape));
      const c = clipValue(attrs);
      const scale = clipNorm(attrs) > 0 ? normScale(clipNorm(attrs), ins[own]!.data[0]!) : 1;
      for (let i = 0; i < ins[0]!.data.length; i++) {
        const s = ins.slice(2, own).map((t) => t.data[i]!);
        let g = ins[1]!.data[i]! * scale;
        if (c > 0) g = Math.min(Math.max(g, -c), c);
        const r = ref(ins[0]!.data[i]!, g, s, attrs, ctx);
        r.forEach((v, k) => { outs[k]!.data[i] = v; });
      }
      return outs;
    },
    emit: (io: KernelIO): EmittedKernel => {
      const N = numel(io.inputs[0]!.shape);
      const names = io.inputs.slice(0, own).map((x) => x.name);
      const rule = wgsl(io.attrs);
      // The rules are arithmetic and sqrt only, so the same text runs on vec4s when N allows.
      const vec = N % 4 === 0;
      const units = vec ? N / 4 : N;
      const groups = Math.ceil(units / (WG * (vec ? VECS : 1)));
      const c = clipValue(io.attrs);
      const limit = (x: number): string => (vec ? `vec4f(${f32Lit(x)})` : f32Lit(x));
      const norm = clipNorm(io.attrs) > 0
        ? `  let sumsq = ${io.inputs[own]!.name}[0];\n  let clip_scale = select(1.0, min(1.0, ${f32Lit(clipNorm(io.attrs))} / sqrt(sumsq)), sumsq > 0.0);\n`
        : '';
      const grad = (i: string): string => {
        let g = `${names[1]}[${i}]`;
        if (norm) g = `(${g} * clip_scale)`;
        return c > 0 ? `clamp(${g}, ${limit(-c)}, ${limit(c)})` : g;
      };
      const update = (i: string): string => `  let lr = ${io.step}.lr;
  let t = f32(${io.step}.step);
  var p = ${names[0]}[${i}];
  let g = ${grad(i)};
${names.slice(2).map((s, k) => `  var s${k} = ${s}[${i}];`).join('\n')}
  ${rule}
  ${names[0]}[${i}] = p;
${names.slice(2).map((s, k) => `  ${s}[${i}] = s${k};`).join('\n')}`;
      const helper = rule.includes('dlc_one_minus_pow') ? `${ONE_MINUS_POW_WGSL}\n` : '';
      if (!vec) {
        return {
          body: `${helper}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(groups, WG)};
  if (i >= ${u32Lit(N)}) { return; }
${norm}${update('i')}
}`,
          workgroups: grid(groups),
        };
      }
      return {
        body: `${helper}@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = ${flatGroup(groups)};
${norm}  for (var j = 0u; j < ${u32Lit(VECS)}; j = j + 1u) {
    let q = w * ${u32Lit(WG * VECS)} + j * ${u32Lit(WG)} + lid;
    if (q >= ${u32Lit(units)}) { return; }
  ${update('q').replaceAll('\n', '\n  ')}
  }
}`,
        workgroups: grid(groups),
        vec4: [...new Set(names)],
      };
    },
  };
}

export const UPDATE_OPS = {
  sgd: elementUpdate('p −= lr·g', 0, (p, g, _s, _a, c) => [p - c.lr * g], () => 'p = p - lr * g;'),
  /** Keras SGD(momentum): v = μv − lr·g; p += v, or with Nesterov p += μv − lr·g. */
  momentum: elementUpdate('heavy-ball or Nesterov momentum', 1, (p, g, [v], a, c) => {
    const v1 = n(a, 'momentum') * v! - c.lr * g;
    return [a.nesterov ? p + n(a, 'momentum') * v1 - c.lr * g : p + v1, v1];
  }, (a) => `s0 = ${f32Lit(n(a, 'momentum'))} * s0 - lr * g;
  p = p + ${a.nesterov ? `${f32Lit(n(a, 'momentum'))} * s0 - lr * g` : 's0'};`),
  /** Keras Adagrad: acc += g²; p −= lr·g / (√acc + ε). */
  adagrad: elementUpdate('AdaGrad', 1, (p, g, [acc], a, c) => {
    const a1 = acc! + g * g;
    return [p - (c.lr * g) / (Math.sqrt(a1) + n(a, 'eps')), a1];
  }, (a) => `s0 = s0 + g * g;
  p = p - lr * g / (sqrt(s0) + ${f32Lit(n(a, 'eps'))});`),
  /** Keras RMSprop: ms = ρ·ms + (1−ρ)g²; p −= lr·g / (√ms + ε). */
  rmsprop: elementUpdate('RMSprop', 1, (p, g, [ms], a, c) => {
    const m1 = n(a, 'rho') * ms! + (1 - n(a, 'rho')) * g * g;
    return [p - (c.lr * g) / (Math.sqrt(m1) + n(a, 'eps')), m1];
  }, (a) => `s0 = ${f32Lit(n(a, 'rho'))} * s0 + ${f32Lit(1 - n(a, 'rho'))} * g * g;
  p = p - lr * g / (sqrt(s0) + ${f32Lit(n(a, 'eps'))});`),
  /**
   * Adam with bias correction; weight_decay adds wd·p to the gradient (L2, as PyTorch Adam) or,
   * with decoupled (AdamW), shrinks p by lr·wd·p before the step.
   */
  adam: elementUpdate('Adam / AdamW', 2, (p, g, [m, v], a, c) => {
    const b1 = n(a, 'beta1'), b2 = n(a, 'beta2'), wd = n(a, 'weight_decay');
    let gg = g;
    let pp = p;
    if (a.decoupled) pp = p - c.lr * wd * p;
    else gg = g + wd * p;
    const m1 = b1 * m! + (1 - b1) * gg;
    const v1 = b2 * v! + (1 - b2) * gg * gg;
    const mh = m1 / (1 - Math.pow(b1, c.step));
    const vh = v1 / (1 - Math.pow(b2, c.step));
    return [pp - (c.lr * mh) / (Math.sqrt(vh) + n(a, 'eps')), m1, v1];
  }, (a) => {
    const wd = n(a, 'weight_decay');
    const decay = wd === 0 ? '' : a.decoupled ? `p = p - lr * ${f32Lit(wd)} * p;\n  ` : '';
    const grad = wd !== 0 && !a.decoupled ? `g + ${f32Lit(wd)} * p` : 'g';
    return `let gg = ${grad};
  ${decay}s0 = ${f32Lit(n(a, 'beta1'))} * s0 + ${f32Lit(1 - n(a, 'beta1'))} * gg;
  s1 = ${f32Lit(n(a, 'beta2'))} * s1 + ${f32Lit(1 - n(a, 'beta2'))} * gg * gg;
  let mh = s0 / dlc_one_minus_pow(${f32Lit(Math.log(n(a, 'beta1')))}, t);
  let vh = s1 / dlc_one_minus_pow(${f32Lit(Math.log(n(a, 'beta2')))}, t);
  p = p - lr * mh / (sqrt(vh) + ${f32Lit(n(a, 'eps'))});`;
  }),
  /** Exponential moving average (batch norm's running statistics, Keras convention). */
  ema: {
    kind: 'update', doc: 'r = momentum·r + (1 − momentum)·x', arity: 2, writes: [0], vjp: null,
    check: sameShapes,
    reference: ([r, x], a) => [tensor(r!.shape, r!.data.map((v, i) => n(a, 'momentum') * v + (1 - n(a, 'momentum')) * x!.data[i]!))],
    emit: (io) => {
      const N = numel(io.inputs[0]!.shape);
      const groups = Math.ceil(N / WG);
      const [r, x] = io.inputs.map((i) => i.name);
      const m = n(io.attrs, 'momentum');
      return {
        body: `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(groups, WG)};
  if (i >= ${u32Lit(N)}) { return; }
  ${r}[i] = ${f32Lit(m)} * ${r}[i] + ${f32Lit(1 - m)} * ${x}[i];
}`,
        workgroups: grid(groups),
      };
    },
  },
  /** acc[0] += Σ x: running sums of per-row losses and correct counts over an epoch. */
  accumulate: {
    kind: 'update', doc: 'acc[0] += Σ x', arity: 2, writes: [0], vjp: null,
    check: ([acc]) => {
      if (numel(acc!.shape) !== 1) throw new ShapeError(`accumulator must hold one value, got ${shapeStr(acc!.shape)}`);
    },
    reference: ([acc, x]): Tensor[] => {
      let s = acc!.data[0]!;
      for (const v of x!.data) s += v;
      return [tensor(acc!.shape, [s])];
    },
    emit: (io) => {
      const N = numel(io.inputs[1]!.shape);
      const [acc, x] = io.inputs.map((i) => i.name);
      return {
        body: `@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < ${u32Lit(N)}; i = i + 1u) { s = s + ${x}[i]; }
  ${acc}[0] = ${acc}[0] + s;
}`,
        workgroups: [1, 1, 1],
      };
    },
  },
} satisfies Record<string, UpdateDef>;
