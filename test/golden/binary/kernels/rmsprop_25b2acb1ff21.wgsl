// rmsprop of every parameter
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
struct StepParams { lr: f32, step: u32, seed: u32, pad: u32 }
@group(0) @binding(3) var<uniform> step_params: StepParams;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q >= 368u) { return; }
    let lr = step_params.lr;
    let t = f32(step_params.step);
    var p = b0[q];
    let g = b2[q];
    var s0 = b1[q];
    s0 = 0.8999999761581421 * s0 + 0.10000000149011612 * (g * g);
    let inc = lr * g / sqrt(s0 + 1.0000000116860974e-7);
    p = p - inc;
    b0[q] = p;
    b1[q] = s0;
  }
}
