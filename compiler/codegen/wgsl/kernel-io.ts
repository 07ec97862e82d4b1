// What a WGSL kernel template is given and gives back, and the store helper that runs fused
// element-wise epilogues.
import type { DType } from '../../ir/dtype.ts';
import type { Attrs } from '../../ir/types.ts';
import { HASH_WGSL } from './common.ts';

/**
 * WGSL that turns a kernel's computed value `acc` at flat output index `idx` into what it stores:
 * how fused element-wise consumers run inside matmul, convolution and pooling-gradient kernels.
 */
export type StoreEpilogue = (acc: string, idx: string) => { lets: string[]; value: string };

/**
 * How a kernel stores into `out`: with an epilogue, through one helper function `store_out` (a
 * kernel storing a register block would otherwise repeat the chain per element, and llvmpipe's
 * compile time grows with the text); without, a plain store.
 */
export function storeFn(out: string, epilogue?: StoreEpilogue): { fn: string; store: (idx: string, acc: string) => string } {
  if (!epilogue) return { fn: '', store: (idx, acc) => `${out}[${idx}] = ${acc};` };
  const e = epilogue('ep_v', 'ep_i');
  return {
    fn: `${(e.lets.join('') + e.value).includes('dlc_uniform') ? `${HASH_WGSL}\n` : ''}fn store_out(ep_i: u32, ep_v: f32) {\n${e.lets.map((l) => `  ${l}\n`).join('')}  ${out}[ep_i] = ${e.value};\n}\n`,
    store: (idx, acc) => `store_out(${idx}, ${acc});`,
  };
}

/** What a kernel emitter gets: binding names and types of inputs and output. */
export interface KernelIO {
  inputs: { name: string; shape: number[]; dtype: DType }[];
  output?: { name: string; shape: number[]; dtype: DType };
  attrs: Attrs;
  /** Name of the step uniform block when the op uses it. */
  step: string;
}

export interface EmittedKernel {
  /** WGSL after the binding declarations: helper functions and `main`. */
  body: string;
  workgroups: [number, number, number];
  /** Bindings the body reads as array<vec4f> (their element counts are multiples of 4). */
  vec4?: string[];
}
