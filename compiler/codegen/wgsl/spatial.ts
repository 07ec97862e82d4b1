// NCHW spatial kernels (max/average pooling, nearest upsampling, their gradients) and the axis
// copies concat, slice and slice_bwd. One invocation per output element; gradients are gathers.
import type { AxisCopyTemplate, PoolTemplate, TransposeTemplate, UpsampleTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatIndex, u32Lit } from './common.ts';
import { storeFn } from './epilogue.ts';
import type { TemplateContext } from './template.ts';

type Pool2d = PoolTemplate['pool'];

function i32Lit(x: number): string {
  if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff) throw new Error(`bad i32 constant ${x}`);
  return `${x}i`;
}

/** A kernel with one invocation per output element; `body` sees the flat output index `i`. */
function perElement(t: { total: number; wg: number }, cx: TemplateContext, prelude: string, body: string): string {
  return `${prelude}
@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${batchCount(t.total, cx)}) { return; }
  ${body}
}`;
}

/** Constants of a pooling and `window_lo`/`window_hi` (real extent of window (oh, ow)). */
function poolPrelude(p: Pool2d): string {
  return `const H = ${i32Lit(p.H)};
const W = ${i32Lit(p.W)};
const HO = ${i32Lit(p.Ho)};
const WO = ${i32Lit(p.Wo)};
const KH = ${i32Lit(p.kh)};
const KW = ${i32Lit(p.kw)};
const SH = ${i32Lit(p.sh)};
const SW = ${i32Lit(p.sw)};
const PT = ${i32Lit(p.top)};
const PL = ${i32Lit(p.left)};
const HW = ${u32Lit(p.H * p.W)};
const HOWO = ${u32Lit(p.Ho * p.Wo)};
// First real (row, col) of window (oh, ow).
fn window_lo(oh: i32, ow: i32) -> vec2i { return max(vec2i(oh * SH - PT, ow * SW - PL), vec2i(0i, 0i)); }
// One past the last real (row, col) of window (oh, ow).
fn window_hi(oh: i32, ow: i32) -> vec2i { return min(vec2i(oh * SH - PT + KH, ow * SW - PL + KW), vec2i(H, W)); }`;
}

/** Pooling output element i → plane offsets and window coordinates. */
const POOL_OUT_COORDS = `let ow = i32(i % u32(WO));
  let oh = i32((i / u32(WO)) % u32(HO));
  let base = (i / HOWO) * HW;`;

/**
 * Input element i → the range of windows that contain it, [oh_lo, oh_hi] × [ow_lo, ow_hi]
 * (empty when the stride skips it), and offsets of its plane in the input and in g.
 */
const POOL_IN_WINDOWS = `let iw = i32(i % u32(W));
  let ih = i32((i / u32(W)) % u32(H));
  let plane = i / HW;
  let base = plane * HW;
  let gbase = plane * HOWO;
  let nh = ih + PT - KH + 1i;
  let nw = iw + PL - KW + 1i;
  let oh_lo = select(0i, (nh + SH - 1i) / SH, nh > 0i);
  let ow_lo = select(0i, (nw + SW - 1i) / SW, nw > 0i);
  let oh_hi = min(HO - 1i, (ih + PT) / SH);
  let ow_hi = min(WO - 1i, (iw + PL) / SW);
  var s = 0.0;`;

/** Flat in-plane index of the first maximum (row-major) of window (oh, ow); padding never wins. */
function argmaxFn(x: string): string {
  return `fn window_argmax(base: u32, oh: i32, ow: i32) -> i32 {
  let lo = window_lo(oh, ow);
  let hi = window_hi(oh, ow);
  var best = lo.x * W + lo.y;
  var mx = ${x}[base + u32(best)];
  for (var h = lo.x; h < hi.x; h = h + 1i) {
    for (var w = lo.y; w < hi.y; w = w + 1i) {
      let v = ${x}[base + u32(h * W + w)];
      if (v > mx) { mx = v; best = h * W + w; }
    }
  }
  return best;
}`;
}

const COUNT_FN = `fn window_count(oh: i32, ow: i32) -> f32 {
  let e = window_hi(oh, ow) - window_lo(oh, ow);
  return f32(e.x * e.y);
}`;

/** Pooling and its gradients over NCHW planes. */
export function poolBody(t: PoolTemplate, cx: TemplateContext): string {
  const p = t.pool;
  const out = t.out;
  switch (t.kind) {
    case 'maxpool2d': {
      const x = t.inputs[0]!;
      return perElement(t, cx, `${poolPrelude(p)}\n${argmaxFn(x)}`, `${POOL_OUT_COORDS}
  ${out}[i] = ${x}[base + u32(window_argmax(base, oh, ow))];`);
    }
    // dx of maxpool2d(x, g): each input element gathers g from the windows whose argmax it is.
    case 'maxpool2d_bwd': {
      const [x, g] = t.inputs as [string, string];
      const st = storeFn(out, t.epilogue, cx.step);
      return perElement(t, cx, `${poolPrelude(p)}\n${argmaxFn(x)}\n${st.fn}`, `${POOL_IN_WINDOWS}
  let me = ih * W + iw;
  for (var oh = oh_lo; oh <= oh_hi; oh = oh + 1i) {
    for (var ow = ow_lo; ow <= ow_hi; ow = ow + 1i) {
      if (window_argmax(base, oh, ow) == me) { s = s + ${g}[gbase + u32(oh * WO + ow)]; }
    }
  }
  ${st.store('i', 's')}`);
    }
    // Windows tile the input: one invocation per window finds its argmax once and writes its whole
    // tile, g at the argmax and 0 elsewhere; the last row and column of windows also zero the rows
    // and columns no window covers.
    case 'maxpool2d_bwd_tiled': {
      const [x, g] = t.inputs as [string, string];
      const st = storeFn(out, t.epilogue, cx.step);
      return perElement(t, cx, `${poolPrelude(p)}\n${argmaxFn(x)}\n${st.fn}`, `${POOL_OUT_COORDS}
  let best = window_argmax(base, oh, ow);
  let gv = ${g}[i];
  let h_end = select((oh + 1i) * KH, H, oh == HO - 1i);
  let w_end = select((ow + 1i) * KW, W, ow == WO - 1i);
  for (var h = oh * KH; h < h_end; h = h + 1i) {
    for (var w = ow * KW; w < w_end; w = w + 1i) {
      let at = h * W + w;
      ${st.store('base + u32(at)', 'select(0.0, gv, at == best)')}
    }
  }`);
    }
    case 'avgpool2d': {
      const x = t.inputs[0]!;
      return perElement(t, cx, `${poolPrelude(p)}\n${COUNT_FN}`, `${POOL_OUT_COORDS}
  let lo = window_lo(oh, ow);
  let hi = window_hi(oh, ow);
  var s = 0.0;
  for (var h = lo.x; h < hi.x; h = h + 1i) {
    for (var w = lo.y; w < hi.y; w = w + 1i) { s = s + ${x}[base + u32(h * W + w)]; }
  }
  ${out}[i] = s / window_count(oh, ow);`);
    }
    // dx of avgpool2d: each input element gathers g / count of its windows.
    case 'avgpool2d_bwd': {
      const g = t.inputs[0]!;
      return perElement(t, cx, `${poolPrelude(p)}\n${COUNT_FN}`, `${POOL_IN_WINDOWS}
  for (var oh = oh_lo; oh <= oh_hi; oh = oh + 1i) {
    for (var ow = ow_lo; ow <= ow_hi; ow = ow + 1i) { s = s + ${g}[gbase + u32(oh * WO + ow)] / window_count(oh, ow); }
  }
  ${out}[i] = s;`);
    }
  }
}

/** Nearest upsampling, and its gradient: the sum of each fh×fw block of g. */
export function upsampleBody(t: UpsampleTemplate, cx: TemplateContext): string {
  const { H, W, fh, fw, x, out } = t;
  const Wo = W * fw;
  const Ho = H * fh;
  if (t.kind === 'upsample_bilinear' || t.kind === 'upsample_bilinear_bwd') return bilinearBody(t, cx);
  if (t.kind === 'upsample') {
    return perElement(t, cx, '', `let ow = i % ${u32Lit(Wo)};
  let oh = (i / ${u32Lit(Wo)}) % ${u32Lit(Ho)};
  let plane = i / ${u32Lit(Ho * Wo)};
  ${out}[i] = ${x}[plane * ${u32Lit(H * W)} + (oh / ${u32Lit(fh)}) * ${u32Lit(W)} + ow / ${u32Lit(fw)}];`);
  }
  return perElement(t, cx, '', `let w = i % ${u32Lit(W)};
  let h = (i / ${u32Lit(W)}) % ${u32Lit(H)};
  let plane = i / ${u32Lit(H * W)};
  let start = plane * ${u32Lit(H * fh * Wo)} + h * ${u32Lit(fh * Wo)} + w * ${u32Lit(fw)};
  var s = 0.0;
  for (var a = 0u; a < ${u32Lit(fh)}; a = a + 1u) {
    for (var b = 0u; b < ${u32Lit(fw)}; b = b + 1u) { s = s + ${x}[start + a * ${u32Lit(Wo)} + b]; }
  }
  ${out}[i] = s;`);
}

/**
 * Bilinear upsampling with half-pixel centres (tf.image.resize): output o along an axis of n reads
 * src = (o + 0.5)/f − 0.5 from rows floor(src) and ceil(src), clamped to [0, n − 1], weighted
 * 1 − frac and frac. The gradient gathers, for each input row, the outputs within f rows either side.
 */
function bilinearBody(t: UpsampleTemplate, cx: TemplateContext): string {
  const { H, W, fh, fw, x, out } = t;
  const [Ho, Wo] = [H * fh, W * fw];
  // weight(i, o): the share of input row i in output o (0 when o reads other rows).
  const prelude = `fn tap(o: u32, f: f32, n: i32) -> vec3f {
  let src = (f32(o) + 0.5) / f - 0.5;
  let lo = floor(src);
  return vec3f(f32(max(i32(lo), 0)), f32(min(i32(ceil(src)), n - 1)), src - lo);
}
fn weight(i: u32, o: u32, f: f32, n: i32) -> f32 {
  let t = tap(o, f, n);
  return select(0.0, 1.0 - t.z, u32(t.x) == i) + select(0.0, t.z, u32(t.y) == i);
}`;
  if (t.kind === 'upsample_bilinear') {
    return perElement(t, cx, prelude, `let ow = i % ${u32Lit(Wo)};
  let oh = (i / ${u32Lit(Wo)}) % ${u32Lit(Ho)};
  let base = (i / ${u32Lit(Ho * Wo)}) * ${u32Lit(H * W)};
  let th = tap(oh, ${fh}.0, ${H}i);
  let tw = tap(ow, ${fw}.0, ${W}i);
  let r0 = base + u32(th.x) * ${u32Lit(W)};
  let r1 = base + u32(th.y) * ${u32Lit(W)};
  let top = ${x}[r0 + u32(tw.x)] * (1.0 - tw.z) + ${x}[r0 + u32(tw.y)] * tw.z;
  let bottom = ${x}[r1 + u32(tw.x)] * (1.0 - tw.z) + ${x}[r1 + u32(tw.y)] * tw.z;
  ${out}[i] = top * (1.0 - th.z) + bottom * th.z;`);
  }
  return perElement(t, cx, prelude, `let w = i % ${u32Lit(W)};
  let h = (i / ${u32Lit(W)}) % ${u32Lit(H)};
  let base = (i / ${u32Lit(H * W)}) * ${u32Lit(Ho * Wo)};
  let oh0 = select(0u, (h - 1u) * ${u32Lit(fh)}, h > 0u);
  let oh1 = min((h + 2u) * ${u32Lit(fh)}, ${u32Lit(Ho)});
  let ow0 = select(0u, (w - 1u) * ${u32Lit(fw)}, w > 0u);
  let ow1 = min((w + 2u) * ${u32Lit(fw)}, ${u32Lit(Wo)});
  var s = 0.0;
  for (var oh = oh0; oh < oh1; oh = oh + 1u) {
    let a = weight(h, oh, ${fh}.0, ${H}i);
    if (a == 0.0) { continue; }
    var row = 0.0;
    for (var ow = ow0; ow < ow1; ow = ow + 1u) { row = row + weight(w, ow, ${fw}.0, ${W}i) * ${x}[base + oh * ${u32Lit(Wo)} + ow]; }
    s = s + a * row;
  }
  ${out}[i] = s;`);
}

/** Output element i → its coordinate `a` along the axis and the flat `o` (outer) and `r` (inner) parts. */
function axisCoords(inner: number, dim: number): string {
  return `let r = i % ${u32Lit(inner)};
  let a = (i / ${u32Lit(inner)}) % ${u32Lit(dim)};
  let o = i / ${u32Lit(inner * dim)};`;
}

/** concat, slice, and slice's gradient (zeros of the full shape with g in the slice). */
/** A copy's start: a literal, or p0 of the per-dispatch uniform block. */
function startOf(t: AxisCopyTemplate, cx: TemplateContext): string {
  if (t.start !== 'param') return u32Lit(t.start);
  if (!cx.params) throw new Error('internal error: a slice start from a parameter block that is not bound');
  return `${cx.params}.p0`;
}

export function axisCopyBody(t: AxisCopyTemplate, cx: TemplateContext): string {
  const { inner, out, start } = t;
  switch (t.kind) {
    case 'concat': {
      const [a, b] = t.inputs as [string, string];
      if (t.sizesParam) {
        if (!cx.params) throw new Error('internal error: concat sizes from a parameter block that is not bound');
        const [Da, Db, total] = ['p0', 'p1', 'p2'].map((f) => `${cx.params}.${f}`) as [string, string, string];
        return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= ${total}) { return; }
  let r = i % ${u32Lit(inner)};
  let a = (i / ${u32Lit(inner)}) % (${Da} + ${Db});
  let o = i / (${u32Lit(inner)} * (${Da} + ${Db}));
  if (a < ${Da}) {
    ${out}[i] = ${a}[(o * ${Da} + a) * ${u32Lit(inner)} + r];
  } else {
    ${out}[i] = ${b}[(o * ${Db} + a - ${Da}) * ${u32Lit(inner)} + r];
  }
}`;
      }
      const [Da, Db] = t.dims as [number, number];
      return perElement(t, cx, '', `${axisCoords(inner, Da + Db)}
  if (a < ${u32Lit(Da)}) {
    ${out}[i] = ${a}[(o * ${u32Lit(Da)} + a) * ${u32Lit(inner)} + r];
  } else {
    ${out}[i] = ${b}[(o * ${u32Lit(Db)} + a - ${u32Lit(Da)}) * ${u32Lit(inner)} + r];
  }`);
    }
    case 'slice': {
      const [D, size] = t.dims as [number, number];
      return perElement(t, cx, '', `${axisCoords(inner, size)}
  ${out}[i] = ${t.inputs[0]}[(o * ${u32Lit(D)} + a + ${startOf(t, cx)}) * ${u32Lit(inner)} + r];`);
    }
    case 'slice_bwd': {
      const [D, size] = t.dims as [number, number];
      const g = t.inputs[0]!;
      const s = startOf(t, cx);
      return perElement(t, cx, '', `${axisCoords(inner, D)}
  if (a >= ${s} && a < ${s} + ${u32Lit(size)}) {
    ${out}[i] = ${g}[(o * ${u32Lit(size)} + a - ${s}) * ${u32Lit(inner)} + r];
  } else {
    ${out}[i] = 0.0;
  }`);
    }
  }
}

/**
 * transpose: the output index split into coordinates from the last axis, each times the input stride
 * of its axis. The first axis takes what is left, so a batch set at run time needs no other count.
 */
export function transposeBody(t: TransposeTemplate, cx: TemplateContext): string {
  const steps = t.dims.map((d, k) => ({ d, s: t.strides[k]! })).slice(1).reverse()
    .map(({ d, s }) => `src = src + (rest % ${u32Lit(d)}) * ${u32Lit(s)};\n  rest = rest / ${u32Lit(d)};`);
  return perElement(t, cx, '', `var rest = i;
  var src = 0u;
  ${steps.join('\n  ')}
  src = src + rest * ${u32Lit(t.strides[0]!)};
  ${t.out}[i] = ${t.x}[src];`);
}
