// Reading inputs through broadcast index maps, and the store epilogue: fused element-wise consumers
// of a matmul, convolution or max-pool gradient, run where it stores each element.
import type { Epilogue, IndexMap } from '../../ir/kernel-spec.ts';
import { u32Lit } from './common.ts';
import { preludeFor, printBlock } from './expr.ts';

/** WGSL index of an input read through `map` at flat output index `i`. */
export function printIndex(map: IndexMap, i: string): string {
  if (map.kind === 'same') return i;
  if (map.kind === 'scalar') return '0u';
  const terms = map.terms.map(({ div, mod, mul }) => {
    const coord = mod === undefined ? `(${i} / ${u32Lit(div)})` : `((${i} / ${u32Lit(div)}) % ${u32Lit(mod)})`;
    return mul === 1 ? coord : `${coord} * ${u32Lit(mul)}`;
  });
  return terms.length ? terms.join(' + ') : '0u';
}

/** The epilogue at computed value `acc`, flat index `idx`: loads of its extra inputs, its lets, its value. */
export function epilogueCode(ep: Epilogue, acc: string, idx: string, step: string | undefined): { lets: string[]; value: string } {
  const loads = ep.extras.map((x, k) => `let e${k} = ${x.name}[${printIndex(x.index, idx)}];`);
  const c = printBlock(ep.block, [acc, ...ep.extras.map((_, k) => `e${k}`)], { index: idx, ...(step ? { step } : {}) });
  return { lets: [...loads, ...c.lets], value: c.value };
}

/**
 * How a kernel stores into `out`: with an epilogue, through one helper function `store_out` (a
 * kernel storing a register block would otherwise repeat the chain per element, and llvmpipe's
 * compile time grows with the text); without, a plain store.
 */
export function storeFn(out: string, ep: Epilogue | undefined, step: string | undefined): { fn: string; store: (idx: string, acc: string) => string } {
  if (!ep) return { fn: '', store: (idx, acc) => `${out}[${idx}] = ${acc};` };
  const e = epilogueCode(ep, 'ep_v', 'ep_i', step);
  return {
    fn: `${preludeFor(ep.block.steps)}fn store_out(ep_i: u32, ep_v: f32) {\n${e.lets.map((l) => `  ${l}\n`).join('')}  ${out}[ep_i] = ${e.value};\n}\n`,
    store: (idx, acc) => `store_out(${idx}, ${acc});`,
  };
}
