// maxpool2d_bwd_chain in relu_2 (samples/mnist_cnn_pruned.dl:12)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
const H = 11i;
const W = 11i;
const HO = 5i;
const WO = 5i;
const KH = 2i;
const KW = 2i;
const SH = 2i;
const SW = 2i;
const PT = 0i;
const PL = 0i;
const HW = 121u;
const HOWO = 25u;
// First real (row, col) of window (oh, ow).
fn window_lo(oh: i32, ow: i32) -> vec2i { return max(vec2i(oh * SH - PT, ow * SW - PL), vec2i(0i, 0i)); }
// One past the last real (row, col) of window (oh, ow).
fn window_hi(oh: i32, ow: i32) -> vec2i { return min(vec2i(oh * SH - PT + KH, ow * SW - PL + KW), vec2i(H, W)); }
fn window_argmax(base: u32, oh: i32, ow: i32) -> i32 {
  let lo = window_lo(oh, ow);
  let hi = window_hi(oh, ow);
  var best = lo.x * W + lo.y;
  var mx = b1[base + u32(best)];
  for (var h = lo.x; h < hi.x; h = h + 1i) {
    for (var w = lo.y; w < hi.y; w = w + 1i) {
      let v = b1[base + u32(h * W + w)];
      if (v > mx) { mx = v; best = h * W + w; }
    }
  }
  return best;
}
fn store_out(ep_i: u32, ep_v: f32) {
  let e0 = b1[ep_i];
  let t0 = select(0.0, ep_v, e0 > 0.0);
  b0[ep_i] = t0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 102400u) { return; }
  let ow = i32(i % u32(WO));
  let oh = i32((i / u32(WO)) % u32(HO));
  let base = (i / HOWO) * HW;
  let best = window_argmax(base, oh, ow);
  let gv = b2[i];
  let h_end = select((oh + 1i) * KH, H, oh == HO - 1i);
  let w_end = select((ow + 1i) * KW, W, ow == WO - 1i);
  for (var h = oh * KH; h < h_end; h = h + 1i) {
    for (var w = ow * KW; w < w_end; w = w + 1i) {
      let at = h * W + w;
      store_out(base + u32(at), select(0.0, gv, at == best));
    }
  }
}
