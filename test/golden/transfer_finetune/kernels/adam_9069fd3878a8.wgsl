// adam in new_logits
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
struct StepParams { lr: f32, step: u32, seed: u32, pad: u32 }
@group(0) @binding(4) var<uniform> step_params: StepParams;
fn dlc_one_minus_pow(log_beta: f32, t: f32) -> f32 {
  let x = t * log_beta;
  if (x > -0.1) {
    return -x * (1.0 + x * (0.5 + x * (0.1666666716337204 + x * (0.0416666679084301 + x * (0.008333333767950535 + x * (0.0013888889225199819 + x * 0.00019841270113829523))))));
  }
  return 1.0 - exp(x);
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 10u) { return; }
  let lr = step_params.lr;
  let t = f32(step_params.step);
  let alpha = lr * sqrt(dlc_one_minus_pow(-0.0010005002841353416, t)) / dlc_one_minus_pow(-0.10536051541566849, t);
  var p = b0[i];
  let g = b3[i];
  var s0 = b1[i];
  var s1 = b2[i];
  s0 = s0 + (g - s0) * 0.10000000149011612;
  s1 = s1 + (g * g - s1) * 0.0010000000474974513;
  p = p - s0 * alpha / (sqrt(s1) + 1.0000000116860974e-7);
  b0[i] = p;
  b1[i] = s0;
  b2[i] = s1;
}
