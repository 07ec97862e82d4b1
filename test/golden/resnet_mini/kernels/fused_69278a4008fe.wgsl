// fused in relu_3 (samples/resnet_mini.dl:5)
@group(0) @binding(0) var<storage, read_write> b0: array<vec4f>;
@group(0) @binding(1) var<storage, read> b1: array<vec4f>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
@group(0) @binding(4) var<storage, read> b4: array<f32>;
@group(0) @binding(5) var<storage, read> b5: array<f32>;
@group(0) @binding(6) var<storage, read> b6: array<f32>;
@group(0) @binding(7) var<storage, read> b7: array<vec4f>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  for (var j = 0u; j < select(4u, 0u, arrayLength(&b0) == 0u); j = j + 1u) {
    let q = w * 256u + j * 64u + lid;
    if (q < 200704u) {
      let v0 = b1[q];
      let v6 = b7[q];
      var r: vec4f;
      {
        let x0 = v0[0];
        let x1 = b2[(((q * 4u + 0u) / 784u) % 16u)];
        let x2 = b3[(((q * 4u + 0u) / 784u) % 16u)];
        let x3 = b4[(((q * 4u + 0u) / 784u) % 16u)];
        let x4 = b5[(((q * 4u + 0u) / 784u) % 16u)];
        let x5 = b6[(((q * 4u + 0u) / 784u) % 16u)];
        let x6 = v6[0];
        let t0 = x0 + x1;
        let t1 = t0 - x2;
        let t2 = t1 * x3;
        let t3 = t2 * x4;
        let t4 = t3 + x5;
        let t5 = x6 + t4;
        let t6 = max(t5, 0.0);
        r[0] = t6;
      }
      {
        let x0 = v0[1];
        let x1 = b2[(((q * 4u + 1u) / 784u) % 16u)];
        let x2 = b3[(((q * 4u + 1u) / 784u) % 16u)];
        let x3 = b4[(((q * 4u + 1u) / 784u) % 16u)];
        let x4 = b5[(((q * 4u + 1u) / 784u) % 16u)];
        let x5 = b6[(((q * 4u + 1u) / 784u) % 16u)];
        let x6 = v6[1];
        let t0 = x0 + x1;
        let t1 = t0 - x2;
        let t2 = t1 * x3;
        let t3 = t2 * x4;
        let t4 = t3 + x5;
        let t5 = x6 + t4;
        let t6 = max(t5, 0.0);
        r[1] = t6;
      }
      {
        let x0 = v0[2];
        let x1 = b2[(((q * 4u + 2u) / 784u) % 16u)];
        let x2 = b3[(((q * 4u + 2u) / 784u) % 16u)];
        let x3 = b4[(((q * 4u + 2u) / 784u) % 16u)];
        let x4 = b5[(((q * 4u + 2u) / 784u) % 16u)];
        let x5 = b6[(((q * 4u + 2u) / 784u) % 16u)];
        let x6 = v6[2];
        let t0 = x0 + x1;
        let t1 = t0 - x2;
        let t2 = t1 * x3;
        let t3 = t2 * x4;
        let t4 = t3 + x5;
        let t5 = x6 + t4;
        let t6 = max(t5, 0.0);
        r[2] = t6;
      }
      {
        let x0 = v0[3];
        let x1 = b2[(((q * 4u + 3u) / 784u) % 16u)];
        let x2 = b3[(((q * 4u + 3u) / 784u) % 16u)];
        let x3 = b4[(((q * 4u + 3u) / 784u) % 16u)];
        let x4 = b5[(((q * 4u + 3u) / 784u) % 16u)];
        let x5 = b6[(((q * 4u + 3u) / 784u) % 16u)];
        let x6 = v6[3];
        let t0 = x0 + x1;
        let t1 = t0 - x2;
        let t2 = t1 * x3;
        let t3 = t2 * x4;
        let t4 = t3 + x5;
        let t5 = x6 + t4;
        let t6 = max(t5, 0.0);
        r[3] = t6;
      }
      b0[q] = r;
    }
  }
}
