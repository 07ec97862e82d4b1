// fused in lstm_1 (samples/mnist_lstm.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 2048u) {
      let v0 = b1[q];
      let v1 = b2[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = v1[0];
        let t0 = select(exp(x0) / (1.0 + exp(x0)), 1.0 / (1.0 + exp(-(x0))), (x0) >= 0.0);
        let t1 = tanh(clamp(x1, -15.0, 15.0));
        let t2 = t0 * t1;
        r[0] = t2;
      }
      {
        let x0 = v0[1];
        let x1 = v1[1];
        let t0 = select(exp(x0) / (1.0 + exp(x0)), 1.0 / (1.0 + exp(-(x0))), (x0) >= 0.0);
        let t1 = tanh(clamp(x1, -15.0, 15.0));
        let t2 = t0 * t1;
        r[1] = t2;
      }
      {
        let x0 = v0[2];
        let x1 = v1[2];
        let t0 = select(exp(x0) / (1.0 + exp(x0)), 1.0 / (1.0 + exp(-(x0))), (x0) >= 0.0);
        let t1 = tanh(clamp(x1, -15.0, 15.0));
        let t2 = t0 * t1;
        r[2] = t2;
      }
      {
        let x0 = v0[3];
        let x1 = v1[3];
        let t0 = select(exp(x0) / (1.0 + exp(x0)), 1.0 / (1.0 + exp(-(x0))), (x0) >= 0.0);
        let t1 = tanh(clamp(x1, -15.0, 15.0));
        let t2 = t0 * t1;
        r[3] = t2;
      }
      b0[q] = r;
    }
  }
}
