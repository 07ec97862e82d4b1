// dropout in dropout_1 (samples/spam_transformer.dl:9)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
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
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 25600u) {
      let v0 = b1[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        r[0] = select(0.0, x0 * 1.1111111640930176, dlc_uniform(step_params.seed, step_params.step, 4u, (q * 4u + 0u)) >= 0.10000000149011612);
      }
      {
        let x0 = v0[1];
        r[1] = select(0.0, x0 * 1.1111111640930176, dlc_uniform(step_params.seed, step_params.step, 4u, (q * 4u + 1u)) >= 0.10000000149011612);
      }
      {
        let x0 = v0[2];
        r[2] = select(0.0, x0 * 1.1111111640930176, dlc_uniform(step_params.seed, step_params.step, 4u, (q * 4u + 2u)) >= 0.10000000149011612);
      }
      {
        let x0 = v0[3];
        r[3] = select(0.0, x0 * 1.1111111640930176, dlc_uniform(step_params.seed, step_params.step, 4u, (q * 4u + 3u)) >= 0.10000000149011612);
      }
      b0[q] = r;
    }
  }
}
