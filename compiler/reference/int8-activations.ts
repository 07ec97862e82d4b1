// The reference semantics of int8 activations (dlc quantize --calibrate), for calibration and for the
// goldens. A dense or conv kernel whose weight has an activation scale s reads its input x as
// q · s, q = clamp(round(fround(fround(x) · inv)), -127, 127) with inv = fround(1 / s) and halves
// rounded away from zero: the integers the GPU kernels compute (codegen/wgsl/common.ts Q8X4_WGSL:
// x is f32 there, the product one correctly rounded f32 multiplication). With the weights
// dequantised (q_w · s_w) the float64 sum is s · s_w · Σ q · q_w, the kernels' exact i32 sum scaled.
import { inverseActScale } from '../../runtime/int8-layout.ts';
import type { Graph } from '../ir/graph.ts';
import type { StepContext } from '../ir/ops/index.ts';
import type { Node, ProgramName } from '../ir/types.ts';
import { runProgram, type Env } from './interp.ts';

/** The ops whose input 0 is quantised when their input 1 is an int8 weight with an activation scale. */
const INT8_ACTIVATION_OPS = new Set(['matmul', 'matmul_chain', 'conv2d', 'conv2d_chain']);

/** Rounds to the nearest integer, halves away from zero. */
const roundAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** The int8 value of activation `x` under the reciprocal scale `inv` (an f32). */
export function quantizeActivation(x: number, inv: number): number {
  return Math.max(-127, Math.min(127, roundAway(Math.fround(Math.fround(x) * inv)))) + 0;
}

/** The activation scale of a calibrated maximum |x|: max / 127 as f32 (0 when every input was 0). */
export const activationScale = (maxAbs: number): number => Math.fround(maxAbs / 127);

/** The weight (a parameter's name) a node reads as the weight of an int8-activation op, if any. */
function weightOf(g: Graph, n: Node): string | undefined {
  const w = n.inputs[1];
  return INT8_ACTIVATION_OPS.has(n.op) && w !== undefined ? g.value(w).name : undefined;
}

/**
 * Runs `program` as the kernels with int8 activations do: every matmul or conv reading a weight
 * named in `scales` reads its input quantised with that scale. The weights in `env` should be the
 * dequantised ones.
 */
export function runInt8ActivationProgram(g: Graph, program: ProgramName, env: Env, ctx: StepContext, scales: ReadonlyMap<string, number>): Env {
  return runProgram(g, program, env, ctx, (n, ins) => {
    const name = weightOf(g, n);
    const s = name === undefined ? undefined : scales.get(name);
    if (s === undefined) return ins;
    const inv = inverseActScale(s);
    const x = ins[0]!;
    return [{ shape: x.shape, data: Float64Array.from(x.data, (v) => quantizeActivation(v, inv) * Math.fround(s)) }, ...ins.slice(1)];
  });
}

/**
 * Calibration: runs `program` and raises `maxima` (by weight name, for the weights in it) to the
 * largest |x| each weight's matmul or conv inputs held.
 */
export function recordActivationMaxima(g: Graph, program: ProgramName, env: Env, ctx: StepContext, maxima: Map<string, number>): Env {
  return runProgram(g, program, env, ctx, (n, ins) => {
    const name = weightOf(g, n);
    if (name === undefined || !maxima.has(name)) return ins;
    let m = maxima.get(name)!;
    for (const v of ins[0]!.data) m = Math.max(m, Math.abs(v));
    maxima.set(name, m);
    return ins;
  });
}
