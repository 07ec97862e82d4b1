// maxpool2d in maxpool_2 (samples/mnist_cnn_pruned.dl:12)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
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
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 102400u) { return; }
  let ow = i32(i % u32(WO));
  let oh = i32((i / u32(WO)) % u32(HO));
  let base = (i / HOWO) * HW;
  b0[i] = b1[base + u32(window_argmax(base, oh, ow))];
}
