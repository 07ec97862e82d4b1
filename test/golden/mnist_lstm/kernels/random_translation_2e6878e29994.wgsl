// random_translation in random_translation_1 (samples/mnist_lstm.dl:10)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
struct StepParams { lr: f32, step: u32, seed: u32, pad: u32 }
@group(0) @binding(2) var<uniform> step_params: StepParams;
fn dlc_hash(v: u32) -> u32 {
  var h = v;
  h = h ^ (h >> 16u);
  h = h * 0x7feb352du;
  h = h ^ (h >> 15u);
  h = h * 0x846ca68bu;
  h = h ^ (h >> 16u);
  return h;
}
fn dlc_uniform(seed: u32, step: u32, salt: u32, i: u32) -> f32 {
  let h = dlc_hash(i ^ dlc_hash(salt ^ dlc_hash(seed ^ dlc_hash(step))));
  return f32(h >> 8u) / 16777216.0;
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 50176u) { return; }
  let c = i % 28u;
  let r = (i / 28u) % 28u;
  let n = i / 784u;
  let plane = i - i % 784u;
  let ty = -((-0.10000000149011612 + 0.20000000298023224 * dlc_uniform(step_params.seed, step_params.step, 2u, 2u * n + 0u)) * 28.0);
  let tx = -((-0.10000000149011612 + 0.20000000298023224 * dlc_uniform(step_params.seed, step_params.step, 2u, 2u * n + 1u)) * 28.0);
  let ky = floor(ty);
  let kx = floor(tx);
  let fy = ty - ky;
  let fx = tx - kx;
  let ey = select(0i, 1i, fy > 0.0);
  let ex = select(0i, 1i, fx > 0.0);
  let inside = i32(r) + i32(ky) >= 0 && i32(r) + i32(ky) + ey <= 27i && i32(c) + i32(kx) >= 0 && i32(c) + i32(kx) + ex <= 27i;
  var value = 0.0;
  if (inside) {
    value = 0.0;
    for (var a = 0; a < 2; a++) {
      for (var b = 0; b < 2; b++) {
        let w = select(fy, 1.0 - fy, a == 0) * select(fx, 1.0 - fx, b == 0);
        let sr = i32(r) + (i32(ky) + a);
        let sc = i32(c) + (i32(kx) + b);
        let reads = sr >= 0 && sr < 28i && sc >= 0 && sc < 28i;
        if (reads) {
          value += w * b1[plane + u32(sr) * 28u + u32(sc)];
        } else {
          value += w * 0.0;
        }
      }
    }
  }
  b0[i] = value;
}
