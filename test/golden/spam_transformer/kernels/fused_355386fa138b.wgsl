// fused in layernorm_1 (samples/spam_transformer.dl:10)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
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
        let x1 = b2[(((q * 4u + 0u) / 1u) % 32u)];
        let x2 = b3[(((q * 4u + 0u) / 1u) % 32u)];
        let t0 = x0 * x1;
        let t1 = t0 + x2;
        r[0] = t1;
      }
      {
        let x0 = v0[1];
        let x1 = b2[(((q * 4u + 1u) / 1u) % 32u)];
        let x2 = b3[(((q * 4u + 1u) / 1u) % 32u)];
        let t0 = x0 * x1;
        let t1 = t0 + x2;
        r[1] = t1;
      }
      {
        let x0 = v0[2];
        let x1 = b2[(((q * 4u + 2u) / 1u) % 32u)];
        let x2 = b3[(((q * 4u + 2u) / 1u) % 32u)];
        let t0 = x0 * x1;
        let t1 = t0 + x2;
        r[2] = t1;
      }
      {
        let x0 = v0[3];
        let x1 = b2[(((q * 4u + 3u) / 1u) % 32u)];
        let x2 = b3[(((q * 4u + 3u) / 1u) % 32u)];
        let t0 = x0 * x1;
        let t1 = t0 + x2;
        r[3] = t1;
      }
      b0[q] = r;
    }
  }
}
