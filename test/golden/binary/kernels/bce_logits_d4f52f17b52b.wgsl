// bce_logits in loss (samples/binary.dl:14)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
fn dlc_log1p(a: f32) -> f32 {
  if (a < -0.5 || a > 1.0) {
    return log(1.0 + a);
  }
  let s = a / (2.0 + a);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (0.3333333432674408 + s2 * (0.20000000298023224 + s2 * (0.1428571492433548 + s2 * (0.1111111119389534 + s2 * (0.09090909361839294 + s2 * (0.07692307978868484 + s2 * (0.06666667014360428 + s2 * (0.05882352963089943 + s2 * 0.05263157933950424)))))))));
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 16u) {
      let v0 = b1[q];
      let v1 = b2[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = v1[0];
        r[0] = max(x0, 0.0) - x0 * x1 + dlc_log1p(exp(-abs(x0)));
      }
      {
        let x0 = v0[1];
        let x1 = v1[1];
        r[1] = max(x0, 0.0) - x0 * x1 + dlc_log1p(exp(-abs(x0)));
      }
      {
        let x0 = v0[2];
        let x1 = v1[2];
        r[2] = max(x0, 0.0) - x0 * x1 + dlc_log1p(exp(-abs(x0)));
      }
      {
        let x0 = v0[3];
        let x1 = v1[3];
        r[3] = max(x0, 0.0) - x0 * x1 + dlc_log1p(exp(-abs(x0)));
      }
      b0[q] = r;
    }
  }
}
