// Element-wise kernel: one invocation per output element, inputs read through broadcast index math.
import type { ElementwiseDef, EmittedKernel, KernelIO } from '../../ir/ops/def.ts';
import { broadcastStrides, numel, sameShape, strides } from '../../ir/tensor.ts';
import { flatIndex, grid, HASH_WGSL, u32Lit } from './common.ts';

const WG = 64;

/** WGSL index expression of input `inShape` at flat output index `i` of `outShape`. */
export function inputIndex(inShape: number[], outShape: number[], i: string): string {
  if (sameShape(inShape, outShape)) return i;
  if (numel(inShape) === 1) return '0u';
  const bs = broadcastStrides(inShape, outShape);
  const os = strides(outShape);
  const terms: string[] = [];
  for (let ax = 0; ax < outShape.length; ax++) {
    if (bs[ax] === 0) continue;
    const coord = ax === 0 ? `(${i} / ${u32Lit(os[ax]!)})` : `((${i} / ${u32Lit(os[ax]!)}) % ${u32Lit(outShape[ax]!)})`;
    terms.push(bs[ax] === 1 ? coord : `${coord} * ${u32Lit(bs[ax]!)}`);
  }
  return terms.length ? terms.join(' + ') : '0u';
}

export function emitElementwise(def: ElementwiseDef, io: KernelIO): EmittedKernel {
  const out = io.output!;
  const N = numel(out.shape);
  const groups = Math.ceil(N / WG);
  const loads = io.inputs.map((x, k) => `  let x${k} = ${x.name}[${inputIndex(x.shape, out.shape, 'i')}];`);
  const xs = io.inputs.map((_, k) => `x${k}`);
  const { lets, value } = def.wgslLets ? def.wgslLets(xs, io.attrs, 'i', io.step) : { lets: [], value: def.wgsl(xs, io.attrs, 'i', io.step) };
  const code = [...loads, ...lets.map((l) => `  ${l}`)].join('\n');
  const body = `${code.includes('dlc_uniform') || value.includes('dlc_uniform') ? `${HASH_WGSL}\n` : ''}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(groups, WG)};
  if (i >= ${u32Lit(N)}) { return; }
${code}
  ${out.name}[i] = ${value};
}`;
  return { body, workgroups: grid(groups) };
}
