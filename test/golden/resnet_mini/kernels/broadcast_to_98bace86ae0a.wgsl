// broadcast_to in global_avgpool_1 (samples/resnet_mini.dl:15)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 25088u) {

      var r: vec4f;
      {
        let x0 = b1[((q * 4u + 0u) / 1568u) * 32u + (((q * 4u + 0u) / 49u) % 32u)];
        r[0] = x0;
      }
      {
        let x0 = b1[((q * 4u + 1u) / 1568u) * 32u + (((q * 4u + 1u) / 49u) % 32u)];
        r[1] = x0;
      }
      {
        let x0 = b1[((q * 4u + 2u) / 1568u) * 32u + (((q * 4u + 2u) / 49u) % 32u)];
        r[2] = x0;
      }
      {
        let x0 = b1[((q * 4u + 3u) / 1568u) * 32u + (((q * 4u + 3u) / 49u) % 32u)];
        r[3] = x0;
      }
      b0[q] = r;
    }
  }
}
