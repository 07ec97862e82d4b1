// fill in global_avgpool1d_1 (samples/spam_transformer.dl:23)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 800u) {

      var r: vec4f;
      {
        r[0] = 0.0;
      }
      {
        r[1] = 0.0;
      }
      {
        r[2] = 0.0;
      }
      {
        r[3] = 0.0;
      }
      b0[q] = r;
    }
  }
}
