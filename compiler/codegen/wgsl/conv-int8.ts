// conv2d with int8 activations (dlc quantize --calibrate): x [N, C, H, W] f32, filters int8 laid out
// [CO][KH][KW][CIg padded to 4] four to a word (runtime/int8-layout.ts). Blocking as the f32 kernel
// (conv.ts: T output channels × TP pixels per invocation); per filter tap (kh, kw) and word of four
// input channels, each pixel's four inputs are quantised and packed (q8x4; zeros outside the image
// and past CIg), and each channel row adds dot4I8Packed with its filter word to i32 accumulators.
// At the store: f32 sum × activation scale × the channel's weight scale, then the epilogue.
import type { Conv2dTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatIndex, int8Scale, Q8X4_WGSL, u32Lit, wordF32 } from './common.ts';
import { i32Lit, range, storeRows } from './conv.ts';
import { storeFn } from './epilogue.ts';
import type { TemplateContext } from './template.ts';

export function conv2dInt8Body(t: Conv2dTemplate, cx: TemplateContext): string {
  const G = t.geom;
  const { C, H, W, CO, CIg, COg, KH, KW, OH, OW } = G;
  const { wg: WG, T, TP, CBG, PB, total } = t.block;
  const q = t.quantB!;
  const { wordsPerChannel, act } = q.activations!;
  const CW = Math.ceil(CIg / 4);
  const full = Math.floor(CIg / 4);
  const rem = CIg % 4;
  const HW = H * W;
  const P = G.N * OH * OW;
  const px = range(TP);
  const rows = range(T);
  const vecs = range(TP / 4);
  const st = storeFn(t.out, t.epilogue, cx.step);
  const dyn = cx.batch !== undefined;
  const counts = dyn ? `  let P = ${batchCount(P, cx)};
  let PB = (P + ${u32Lit(TP - 1)}) / ${u32Lit(TP)};
  let total = ${u32Lit(total / PB)} * PB;
` : '';
  const [pLit, pLast, pbLit, totalLit] = dyn ? ['P', '(P - 1u)', 'PB', 'total'] : [u32Lit(P), u32Lit(P - 1), u32Lit(PB), u32Lit(total)];
  // One word of input channels: `lanes` of them per pixel (the rest zero), then the rows' dot products.
  const word = (lanes: number, indent: string): string => [
    ...px.map((j) => `let xq${j} = q8x4(select(vec4f(0.0), vec4f(${range(4).map((c) => (c < lanes ? `${t.a}[xo${j}${c ? ` + ${u32Lit(c * HW)}` : ''}]` : '0.0')).join(', ')}), ok${j}), inv);`),
    ...rows.flatMap((r) => [`let w${r} = ${t.b}[wr${r} + wo];`, ...vecs.map((k) => `acc${r}_${k} = acc${r}_${k} + vec4i(${range(4).map((c) => `dot4I8Packed(xq${4 * k + c}, w${r})`).join(', ')});`)]),
  ].map((l) => indent + l).join('\n');
  return `${st.fn}${Q8X4_WGSL}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
${counts}  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${totalLit}) { return; }
  let cb = i / ${pbLit};
  let pb = i % ${pbLit};
  let grp = cb / ${u32Lit(CBG)};
  let co0 = grp * ${u32Lit(COg)} + (cb % ${u32Lit(CBG)}) * ${u32Lit(T)};
  let coEnd = grp * ${u32Lit(COg)} + ${u32Lit(COg)};
  let inv = ${wordF32(t.b, act + 1)};
${rows.map((r) => `  let wr${r} = min(co0 + ${r}u, coEnd - 1u) * ${u32Lit(wordsPerChannel)};`).join('\n')}
${px.map((j) => `  let p${j} = pb * ${u32Lit(TP)} + ${j}u;
  let v${j} = p${j} < ${pLit};
  let n${j} = min(p${j}, ${pLast}) / ${u32Lit(OH * OW)};
  let r${j} = min(p${j}, ${pLast}) % ${u32Lit(OH * OW)};
  let ih${j} = i32(r${j} / ${u32Lit(OW)}) * ${i32Lit(G.sh)} - ${i32Lit(G.pt)};
  let iw${j} = i32(r${j} % ${u32Lit(OW)}) * ${i32Lit(G.sw)} - ${i32Lit(G.pl)};
  let xb${j} = n${j} * ${u32Lit(C * HW)} + grp * ${u32Lit(CIg * HW)};`).join('\n')}
${rows.map((r) => vecs.map((k) => `  var acc${r}_${k} = vec4i(0);`).join('\n')).join('\n')}
  for (var kh = 0i; kh < ${i32Lit(KH)}; kh = kh + 1i) {
    for (var kw = 0i; kw < ${i32Lit(KW)}; kw = kw + 1i) {
${px.map((j) => `      let y${j} = ih${j} + kh * ${i32Lit(G.dh)};
      let x${j} = iw${j} + kw * ${i32Lit(G.dw)};
      let ok${j} = v${j} && y${j} >= 0i && y${j} < ${i32Lit(H)} && x${j} >= 0i && x${j} < ${i32Lit(W)};
      var xo${j} = select(0u, xb${j} + u32(y${j} * ${i32Lit(W)} + x${j}), ok${j});`).join('\n')}
      if (${px.map((j) => `ok${j}`).join(' || ')}) {
        var wo = u32(kh * ${i32Lit(KW)} + kw) * ${u32Lit(CW)};
        for (var cw = 0u; cw < ${u32Lit(full)}; cw = cw + 1u) {
${word(4, '          ')}
${px.map((j) => `          xo${j} = xo${j} + ${u32Lit(4 * HW)};`).join('\n')}
          wo = wo + 1u;
        }
${rem ? `        {\n${word(rem, '          ')}\n        }\n` : ''}      }
    }
  }
  let sa = ${wordF32(t.b, act)};
${rows.map((r) => vecs.map((k) => `  let facc${r}_${k} = vec4f(acc${r}_${k}) * sa;`).join('\n')).join('\n')}
${storeRows(rows, vecs, px, `min(${u32Lit(T)}, coEnd - co0)`, (j, acc) => st.store(`n${j} * ${u32Lit(CO * OH * OW)} + (co0 + r) * ${u32Lit(OH * OW)} + r${j}`, acc), int8Scale(t.b, q.scales, 'co0 + r'), 'facc')}
}`;
}
