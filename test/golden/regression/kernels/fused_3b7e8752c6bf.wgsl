// fused in dense_2 (samples/regression.dl:9)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
fn dlc_erfc(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = 1.0000237226486206 + t * (0.3740919530391693 + t * (0.09678418189287186 + t * (-0.18628805875778198 + t * (0.27886807918548584 + t * (-1.1352039575576782 + t * (1.488515853881836 + t * (-0.8221522569656372 + t * (0.170872762799263))))))));
  let r = t * exp(-z * z + -1.265512228012085 + t * p);
  return select(r, 2.0 - r, x < 0.0);
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 512u) {
      let v0 = b1[q];
      let v1 = b2[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = v1[0];
        let t0 = x0 * 0.5;
        let t1 = t0 * (0.5 * dlc_erfc(-0.7071067690849304 * x1) + 0.5 * x1 * (-0.7071067690849304 * (-1.128379225730896 * exp(-(-0.7071067690849304 * x1 * (-0.7071067690849304 * x1))))));
        r[0] = t1;
      }
      {
        let x0 = v0[1];
        let x1 = v1[1];
        let t0 = x0 * 0.5;
        let t1 = t0 * (0.5 * dlc_erfc(-0.7071067690849304 * x1) + 0.5 * x1 * (-0.7071067690849304 * (-1.128379225730896 * exp(-(-0.7071067690849304 * x1 * (-0.7071067690849304 * x1))))));
        r[1] = t1;
      }
      {
        let x0 = v0[2];
        let x1 = v1[2];
        let t0 = x0 * 0.5;
        let t1 = t0 * (0.5 * dlc_erfc(-0.7071067690849304 * x1) + 0.5 * x1 * (-0.7071067690849304 * (-1.128379225730896 * exp(-(-0.7071067690849304 * x1 * (-0.7071067690849304 * x1))))));
        r[2] = t1;
      }
      {
        let x0 = v0[3];
        let x1 = v1[3];
        let t0 = x0 * 0.5;
        let t1 = t0 * (0.5 * dlc_erfc(-0.7071067690849304 * x1) + 0.5 * x1 * (-0.7071067690849304 * (-1.128379225730896 * exp(-(-0.7071067690849304 * x1 * (-0.7071067690849304 * x1))))));
        r[3] = t1;
      }
      b0[q] = r;
    }
  }
}
