// fused in bidirectional_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<vec4f>;
@group(0) @binding(3) var<storage, read> b3: array<vec4f>;
@group(0) @binding(4) var<storage, read> b4: array<vec4f>;
@group(0) @binding(5) var<storage, read> b5: array<vec4f>;
@group(0) @binding(6) var<storage, read> b6: array<vec4f>;
@group(0) @binding(7) var<storage, read> b7: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 76800u) {
      let v0 = b1[q];
      let v1 = b2[q];
      let v2 = b3[q];
      let v3 = b4[q];
      let v4 = b5[q];
      let v5 = b6[q];
      let v6 = b7[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = v1[0];
        let x2 = v2[0];
        let x3 = v3[0];
        let x4 = v4[0];
        let x5 = v5[0];
        let x6 = v6[0];
        let t0 = x0 + x1;
        let t1 = t0 + x2;
        let t2 = t1 + x3;
        let t3 = t2 + x4;
        let t4 = t3 + x5;
        let t5 = t4 + x6;
        r[0] = t5;
      }
      {
        let x0 = v0[1];
        let x1 = v1[1];
        let x2 = v2[1];
        let x3 = v3[1];
        let x4 = v4[1];
        let x5 = v5[1];
        let x6 = v6[1];
        let t0 = x0 + x1;
        let t1 = t0 + x2;
        let t2 = t1 + x3;
        let t3 = t2 + x4;
        let t4 = t3 + x5;
        let t5 = t4 + x6;
        r[1] = t5;
      }
      {
        let x0 = v0[2];
        let x1 = v1[2];
        let x2 = v2[2];
        let x3 = v3[2];
        let x4 = v4[2];
        let x5 = v5[2];
        let x6 = v6[2];
        let t0 = x0 + x1;
        let t1 = t0 + x2;
        let t2 = t1 + x3;
        let t3 = t2 + x4;
        let t4 = t3 + x5;
        let t5 = t4 + x6;
        r[2] = t5;
      }
      {
        let x0 = v0[3];
        let x1 = v1[3];
        let x2 = v2[3];
        let x3 = v3[3];
        let x4 = v4[3];
        let x5 = v5[3];
        let x6 = v6[3];
        let t0 = x0 + x1;
        let t1 = t0 + x2;
        let t2 = t1 + x3;
        let t3 = t2 + x4;
        let t4 = t3 + x5;
        let t5 = t4 + x6;
        r[3] = t5;
      }
      b0[q] = r;
    }
  }
}
