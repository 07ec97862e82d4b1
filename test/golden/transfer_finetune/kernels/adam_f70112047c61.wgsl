// adam in new_hidden
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> b2: array<vec4f>;
@group(0) @binding(3) var<storage, read> b3: array<vec4f>;
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
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  let lr = step_params.lr;
  let t = f32(step_params.step);
  let alpha = lr * sqrt(dlc_one_minus_pow(-0.0010005002841353416, t)) / dlc_one_minus_pow(-0.10536051541566849, t);
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q >= 16u) { return; }
    var p = b0[q];
    let g = b3[q];
    var s0 = b1[q];
    var s1 = b2[q];
    s0 = s0 + (g - s0) * 0.10000000149011612;
    s1 = s1 + (g * g - s1) * 0.0010000000474974513;
    p = p - s0 * alpha / (sqrt(s1) + 1.0000000116860974e-7);
    b0[q] = p;
    b1[q] = s0;
    b2[q] = s1;
  }
}
