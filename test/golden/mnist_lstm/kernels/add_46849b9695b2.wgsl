// add in lstm_1 (samples/mnist_lstm.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 8192u) {
      let v0 = b1[q];
      let v1 = b2[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = v1[0];
        r[0] = x0 + x1;
      }
      {
        let x0 = v0[1];
        let x1 = v1[1];
        r[1] = x0 + x1;
      }
      {
        let x0 = v0[2];
        let x1 = v1[2];
        r[2] = x0 + x1;
      }
      {
        let x0 = v0[3];
        let x1 = v1[3];
        r[3] = x0 + x1;
      }
      b0[q] = r;
    }
  }
}
