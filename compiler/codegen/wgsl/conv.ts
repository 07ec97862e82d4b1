// 2-D convolution kernels (NCHW), implicit-GEMM style with register blocking:
//  - conv2d: each invocation computes up to T output channels × TP output pixels, accumulating over
//    CI/g·KH·KW (channel blocks stay inside one group);
//  - conv2d_bwd_input: each invocation gathers up to T input channels × TP input pixels over the
//    (co, kh, kw) that touch them, respecting stride, dilation and padding (no atomics);
//  - conv2d_bwd_filter: each workgroup owns T × TP weights and splits the N·OH·OW reduction over its
//    invocations, then sums their partials in workgroup memory.
// The block sizes are chosen with the op (ir/ops/conv.ts) and arrive in the template.
import type { Conv2dTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatGroup, flatIndex, hiddenCount, int8Helpers, int8Scale, u32Lit } from './common.ts';
import { storeFn } from './epilogue.ts';
import type { TemplateContext } from './template.ts';

export const i32Lit = (x: number): string => {
  if (!Number.isInteger(x) || Math.abs(x) > 0x7fffffff) throw new Error(`bad i32 constant ${x}`);
  return x < 0 ? `(${x}i)` : `${x}i`;
};
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** vec4 k of a TP-wide row of per-pixel scalars named by `f`. */
const vec4Of = (k: number, f: (j: number) => string): string => `vec4f(${range(4).map((c) => f(4 * k + c)).join(', ')})`;

/**
 * The stores of a T × TP register block (accumulators acc{r}_{k}, vec4 k of row r) as a loop over the
 * rows this invocation really has (its bound is not a constant, so the driver does not unroll it),
 * each row storing its TP pixels: TP copies of the store and its epilogue instead of T · TP. Unrolled,
 * the stores were most of the kernel's text and of its first compile (~15 s on llvmpipe under load),
 * for code that runs once per invocation. `store(j, acc)` is the WGSL statement for pixel j of row `r`.
 */
export function storeRows(rows: number[], vecs: number[], pixels: number[], rowCount: string, store: (j: number, acc: string) => string, rowScale?: string, accPrefix = 'acc'): string {
  const accs = rows.flatMap((r) => vecs.map((k) => `${accPrefix}${r}_${k}`));
  return `  var accs = array<vec4f, ${accs.length}>(${accs.join(', ')});
  let rows_here = ${rowCount};
  for (var r = 0u; r < rows_here; r = r + 1u) {
${rowScale ? `    let qs = ${rowScale};\n` : ''}${vecs.map((k) => `    let a${k} = accs[r * ${u32Lit(vecs.length)} + ${k}u]${rowScale ? ' * qs' : ''};`).join('\n')}
${pixels.map((j) => `    if (v${j}) { ${store(j, `a${j >> 2}[${j & 3}]`)} }`).join('\n')}
  }`;
}

/** The kernel of a convolution or one of its gradients. */
export function convBody(t: Conv2dTemplate, cx: TemplateContext): string {
  switch (t.kind) {
    case 'conv2d': return conv2d(t, cx);
    case 'conv2d_bwd_input': return conv2dBwdInput(t, cx);
    case 'conv2d_bwd_filter': return conv2dBwdFilter(t, cx);
  }
}

/** conv2d(x, w): x [N, C, H, W], w [CO, C/g, KH, KW] → [N, CO, OH, OW]. */
function conv2d(t: Conv2dTemplate, cx: TemplateContext): string {
  const G = t.geom;
  const { C, H, W, CO, CIg, COg, KH, KW, OH, OW } = G;
  const { wg: WG, T, TP, CBG, PB, total } = t.block;
  const V = TP / 4;
  const P = G.N * OH * OW;
  const px = range(TP);
  const rows = range(T);
  const vecs = range(V);
  const st = storeFn(t.out, t.epilogue, cx.step);
  // With a runtime batch the output pixels P over the batch, their blocks PB and the work items are
  // computed from it first; otherwise they are literals.
  const dyn = cx.batch !== undefined;
  const counts = dyn ? `  let P = ${batchCount(P, cx)};
  let PB = (P + ${u32Lit(TP - 1)}) / ${u32Lit(TP)};
  let total = ${u32Lit(total / PB)} * PB;
` : '';
  const [pLit, pLast, pbLit, totalLit] = dyn ? ['P', '(P - 1u)', 'PB', 'total'] : [u32Lit(P), u32Lit(P - 1), u32Lit(PB), u32Lit(total)];
  // Int8 filters: converted to f32 as read, each output channel's sum scaled once at the store.
  const q = t.quantB;
  const weight = (r: number): string => (q ? `${t.b}_i8(wr${r} + wo)` : t.halfB ? `f32(${t.b}[wr${r} + wo])` : `${t.b}[wr${r} + wo]`);
  return `${st.fn}${q ? int8Helpers(t.b) : ''}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
${counts}  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${totalLit}) { return; }
  let cb = i / ${pbLit};
  let pb = i % ${pbLit};
  let grp = cb / ${u32Lit(CBG)};
  let co0 = grp * ${u32Lit(COg)} + (cb % ${u32Lit(CBG)}) * ${u32Lit(T)};
  let coEnd = grp * ${u32Lit(COg)} + ${u32Lit(COg)};
${rows.map((r) => `  let wr${r} = min(co0 + ${r}u, coEnd - 1u) * ${u32Lit(CIg * KH * KW)};`).join('\n')}
${px.map((j) => `  let p${j} = pb * ${u32Lit(TP)} + ${j}u;
  let v${j} = p${j} < ${pLit};
  let n${j} = min(p${j}, ${pLast}) / ${u32Lit(OH * OW)};
  let r${j} = min(p${j}, ${pLast}) % ${u32Lit(OH * OW)};
  let ih${j} = i32(r${j} / ${u32Lit(OW)}) * ${i32Lit(G.sh)} - ${i32Lit(G.pt)};
  let iw${j} = i32(r${j} % ${u32Lit(OW)}) * ${i32Lit(G.sw)} - ${i32Lit(G.pl)};
  let xb${j} = n${j} * ${u32Lit(C * H * W)} + grp * ${u32Lit(CIg * H * W)};`).join('\n')}
${rows.map((r) => vecs.map((k) => `  var acc${r}_${k} = vec4f(0.0);`).join('\n')).join('\n')}
  for (var kh = 0i; kh < i32(${hiddenCount(KH, t.b)}); kh = kh + 1i) {
    for (var kw = 0i; kw < i32(${hiddenCount(KW, t.b)}); kw = kw + 1i) {
${px.map((j) => `      let y${j} = ih${j} + kh * ${i32Lit(G.dh)};
      let x${j} = iw${j} + kw * ${i32Lit(G.dw)};
      let ok${j} = v${j} && y${j} >= 0i && y${j} < ${i32Lit(H)} && x${j} >= 0i && x${j} < ${i32Lit(W)};
      var xo${j} = select(0u, xb${j} + u32(y${j} * ${i32Lit(W)} + x${j}), ok${j});`).join('\n')}
      if (${px.map((j) => `ok${j}`).join(' || ')}) {
        var wo = u32(kh * ${i32Lit(KW)} + kw);
        for (var ci = 0u; ci < ${u32Lit(CIg)}; ci = ci + 1u) {
${vecs.map((k) => `          let xv${k} = ${vec4Of(k, (j) => `select(0.0, ${t.a}[xo${j}], ok${j})`)};`).join('\n')}
${rows.map((r) => `          let w${r} = ${weight(r)};\n${vecs.map((k) => `          acc${r}_${k} = acc${r}_${k} + w${r} * xv${k};`).join('\n')}`).join('\n')}
${px.map((j) => `          xo${j} = xo${j} + ${u32Lit(H * W)};`).join('\n')}
          wo = wo + ${u32Lit(KH * KW)};
        }
      }
    }
  }
${storeRows(rows, vecs, px, `min(${u32Lit(T)}, coEnd - co0)`, (j, acc) => st.store(`n${j} * ${u32Lit(CO * OH * OW)} + (co0 + r) * ${u32Lit(OH * OW)} + r${j}`, acc), q ? int8Scale(t.b, q.scales, 'co0 + r') : undefined)}
}`;
}

/** conv2d_bwd_input(g, w): g [N, CO, OH, OW], w [CO, C/g, KH, KW] → dx [N, C, H, W] (attrs.inputShape). */
function conv2dBwdInput(t: Conv2dTemplate, cx: TemplateContext): string {
  const G = t.geom;
  const { C, H, W, CO, CIg, COg, KH, KW, OH, OW } = G;
  const { wg: WG, T, TP, CBG, PB, total } = t.block;
  const V = TP / 4;
  const P = G.N * H * W;
  const px = range(TP);
  const rows = range(T);
  const vecs = range(V);
  const KK = KH * KW;
  // Output coordinate t = y + pad − k·dil must be a non-negative multiple of the stride, below OH.
  const tap = (t: string, s: number, lim: number): string => `${t} >= 0i${s > 1 ? ` && ${t} % ${i32Lit(s)} == 0i` : ''} && ${t} < ${i32Lit(lim * s)}`;
  const div = (t: string, s: number): string => (s > 1 ? `${t} / ${i32Lit(s)}` : t);
  return `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${u32Lit(total)}) { return; }
  let cb = i / ${u32Lit(PB)};
  let pb = i % ${u32Lit(PB)};
  let grp = cb / ${u32Lit(CBG)};
  let cl0 = (cb % ${u32Lit(CBG)}) * ${u32Lit(T)};
${rows.map((r) => `  let wr${r} = min(cl0 + ${r}u, ${u32Lit(CIg - 1)}) * ${u32Lit(KK)};`).join('\n')}
${px.map((j) => `  let p${j} = pb * ${u32Lit(TP)} + ${j}u;
  let v${j} = p${j} < ${u32Lit(P)};
  let n${j} = min(p${j}, ${u32Lit(P - 1)}) / ${u32Lit(H * W)};
  let r${j} = min(p${j}, ${u32Lit(P - 1)}) % ${u32Lit(H * W)};
  let ty${j} = i32(r${j} / ${u32Lit(W)}) + ${i32Lit(G.pt)};
  let tx${j} = i32(r${j} % ${u32Lit(W)}) + ${i32Lit(G.pl)};
  let gb${j} = n${j} * ${u32Lit(CO * OH * OW)} + grp * ${u32Lit(COg * OH * OW)};`).join('\n')}
${rows.map((r) => vecs.map((k) => `  var acc${r}_${k} = vec4f(0.0);`).join('\n')).join('\n')}
  for (var kh = 0i; kh < i32(${hiddenCount(KH, t.b)}); kh = kh + 1i) {
    for (var kw = 0i; kw < i32(${hiddenCount(KW, t.b)}); kw = kw + 1i) {
${px.map((j) => `      let y${j} = ty${j} - kh * ${i32Lit(G.dh)};
      let x${j} = tx${j} - kw * ${i32Lit(G.dw)};
      let ok${j} = v${j} && ${tap(`y${j}`, G.sh, OH)} && ${tap(`x${j}`, G.sw, OW)};
      var go${j} = select(0u, gb${j} + u32(${div(`y${j}`, G.sh)} * ${i32Lit(OW)} + ${div(`x${j}`, G.sw)}), ok${j});`).join('\n')}
      if (${px.map((j) => `ok${j}`).join(' || ')}) {
        var wo = grp * ${u32Lit(COg * CIg * KK)} + u32(kh * ${i32Lit(KW)} + kw);
        for (var co = 0u; co < ${u32Lit(COg)}; co = co + 1u) {
${vecs.map((k) => `          let gv${k} = ${vec4Of(k, (j) => `select(0.0, ${t.a}[go${j}], ok${j})`)};`).join('\n')}
${rows.map((r) => `          let w${r} = ${t.b}[wo + wr${r}];\n${vecs.map((k) => `          acc${r}_${k} = acc${r}_${k} + w${r} * gv${k};`).join('\n')}`).join('\n')}
${px.map((j) => `          go${j} = go${j} + ${u32Lit(OH * OW)};`).join('\n')}
          wo = wo + ${u32Lit(CIg * KK)};
        }
      }
    }
  }
${storeRows(rows, vecs, px, `min(${u32Lit(T)}, ${u32Lit(CIg)} - cl0)`, (j, acc) => `${t.out}[n${j} * ${u32Lit(C * H * W)} + (grp * ${u32Lit(CIg)} + cl0 + r) * ${u32Lit(H * W)} + r${j}] = ${acc};`)}
}`;
}

/** conv2d_bwd_filter(x, g): x [N, C, H, W], g [N, CO, OH, OW] → dw [CO, C/g, KH, KW] (attrs.filterShape). */
function conv2dBwdFilter(t: Conv2dTemplate, cx: TemplateContext): string {
  const G = t.geom;
  const { C, H, W, CO, CIg, COg, KH, KW, OH, OW } = G;
  const { wg: WGF, T, TP: TQ, CBG, PB: QB, total: blocks } = t.block;
  const QV = TQ / 4;
  const KK = KH * KW;
  const Q = CIg * KK;
  const R = G.N * OH * OW;
  const cols = range(TQ);
  const rows = range(T);
  const accs = rows.flatMap((r) => range(QV).map((v) => `acc${r}_${v}`));
  return `var<workgroup> partial: array<vec4f, ${T * QV * WGF}>;
@compute @workgroup_size(${WGF})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = ${flatGroup(cx.workgroups)};
  if (b >= ${u32Lit(blocks)}) { return; }
  let grp = b / ${u32Lit(CBG * QB)};
  let rem = b % ${u32Lit(CBG * QB)};
  let co0 = grp * ${u32Lit(COg)} + (rem / ${u32Lit(QB)}) * ${u32Lit(T)};
  let coEnd = grp * ${u32Lit(COg)} + ${u32Lit(COg)};
  let q0 = (rem % ${u32Lit(QB)}) * ${u32Lit(TQ)};
${rows.map((r) => `  let gr${r} = min(co0 + ${r}u, coEnd - 1u) * ${u32Lit(OH * OW)};`).join('\n')}
${cols.map((c) => `  let qc${c} = min(q0 + ${c}u, ${u32Lit(Q - 1)});
  let k${c} = qc${c} % ${u32Lit(KK)};
  let xc${c} = (grp * ${u32Lit(CIg)} + qc${c} / ${u32Lit(KK)}) * ${u32Lit(H * W)};
  let dy${c} = i32(k${c} / ${u32Lit(KW)}) * ${i32Lit(G.dh)} - ${i32Lit(G.pt)};
  let dx${c} = i32(k${c} % ${u32Lit(KW)}) * ${i32Lit(G.dw)} - ${i32Lit(G.pl)};`).join('\n')}
${accs.map((v) => `  var ${v} = vec4f(0.0);`).join('\n')}
  for (var k = lid; k < ${u32Lit(R)}; k = k + ${u32Lit(WGF)}) {
    let n = k / ${u32Lit(OH * OW)};
    let p = k - n * ${u32Lit(OH * OW)};
    let oh = p / ${u32Lit(OW)};
    let yb = i32(oh) * ${i32Lit(G.sh)};
    let xb = i32(p - oh * ${u32Lit(OW)}) * ${i32Lit(G.sw)};
    let xn = n * ${u32Lit(C * H * W)};
    let gn = n * ${u32Lit(CO * OH * OW)} + p;
${cols.map((c) => `    let y${c} = yb + dy${c};
    let x${c} = xb + dx${c};
    let ok${c} = y${c} >= 0i && y${c} < ${i32Lit(H)} && x${c} >= 0i && x${c} < ${i32Lit(W)};
    let xv${c} = select(0.0, ${t.a}[select(0u, xn + xc${c} + u32(y${c} * ${i32Lit(W)} + x${c}), ok${c})], ok${c});`).join('\n')}
${range(QV).map((v) => `    let xv_${v} = ${vec4Of(v, (c) => `xv${c}`)};`).join('\n')}
${rows.map((r) => `    let g${r} = ${t.b}[gn + gr${r}];\n${range(QV).map((v) => `    acc${r}_${v} = acc${r}_${v} + g${r} * xv_${v};`).join('\n')}`).join('\n')}
  }
${accs.map((v, j) => `  partial[${j * WGF}u + lid] = ${v};`).join('\n')}
  workgroupBarrier();
  // One barrier, then each invocation sums the WGF partials of a few weights (a barrier inside a
  // loop makes llvmpipe's shader compile take seconds).
  for (var e = lid; e < ${u32Lit(T * TQ)}; e = e + ${u32Lit(WGF)}) {
    let r = e / ${u32Lit(TQ)};
    let c = e % ${u32Lit(TQ)};
    let slot = (r * ${u32Lit(QV)} + c / 4u) * ${u32Lit(WGF)};
    var sum = 0.0;
    for (var l = 0u; l < ${hiddenCount(WGF, t.b)}; l = l + 1u) { sum = sum + partial[slot + l][c % 4u]; }
    if (co0 + r < coEnd && q0 + c < ${u32Lit(Q)}) { ${t.out}[(co0 + r) * ${u32Lit(Q)} + q0 + c] = sum; }
  }
}`;
}
