// square in clip
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 32u) {
      let v0 = b1[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        r[0] = x0 * x0;
      }
      {
        let x0 = v0[1];
        r[1] = x0 * x0;
      }
      {
        let x0 = v0[2];
        r[2] = x0 * x0;
      }
      {
        let x0 = v0[3];
        r[3] = x0 * x0;
      }
      b0[q] = r;
    }
  }
}
