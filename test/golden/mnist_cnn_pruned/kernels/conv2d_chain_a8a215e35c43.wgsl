// conv2d_chain in relu_2 (samples/mnist_cnn_pruned.dl:12)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
fn store_out(ep_i: u32, ep_v: f32) {
  let e0 = b3[((ep_i / 121u) % 64u)];
  let t0 = ep_v + e0;
  let t1 = max(t0, 0.0);
  b0[ep_i] = t1;
}
@compute @workgroup_size(32)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 3872u) { return; }
  let cb = i / 968u;
  let pb = i % 968u;
  let grp = cb / 4u;
  let co0 = grp * 64u + (cb % 4u) * 16u;
  let coEnd = grp * 64u + 64u;
  let wr0 = min(co0 + 0u, coEnd - 1u) * 288u;
  let wr1 = min(co0 + 1u, coEnd - 1u) * 288u;
  let wr2 = min(co0 + 2u, coEnd - 1u) * 288u;
  let wr3 = min(co0 + 3u, coEnd - 1u) * 288u;
  let wr4 = min(co0 + 4u, coEnd - 1u) * 288u;
  let wr5 = min(co0 + 5u, coEnd - 1u) * 288u;
  let wr6 = min(co0 + 6u, coEnd - 1u) * 288u;
  let wr7 = min(co0 + 7u, coEnd - 1u) * 288u;
  let wr8 = min(co0 + 8u, coEnd - 1u) * 288u;
  let wr9 = min(co0 + 9u, coEnd - 1u) * 288u;
  let wr10 = min(co0 + 10u, coEnd - 1u) * 288u;
  let wr11 = min(co0 + 11u, coEnd - 1u) * 288u;
  let wr12 = min(co0 + 12u, coEnd - 1u) * 288u;
  let wr13 = min(co0 + 13u, coEnd - 1u) * 288u;
  let wr14 = min(co0 + 14u, coEnd - 1u) * 288u;
  let wr15 = min(co0 + 15u, coEnd - 1u) * 288u;
  let p0 = pb * 8u + 0u;
  let v0 = p0 < 7744u;
  let n0 = min(p0, 7743u) / 121u;
  let r0 = min(p0, 7743u) % 121u;
  let ih0 = i32(r0 / 11u) * 1i - 0i;
  let iw0 = i32(r0 % 11u) * 1i - 0i;
  let xb0 = n0 * 5408u + grp * 5408u;
  let p1 = pb * 8u + 1u;
  let v1 = p1 < 7744u;
  let n1 = min(p1, 7743u) / 121u;
  let r1 = min(p1, 7743u) % 121u;
  let ih1 = i32(r1 / 11u) * 1i - 0i;
  let iw1 = i32(r1 % 11u) * 1i - 0i;
  let xb1 = n1 * 5408u + grp * 5408u;
  let p2 = pb * 8u + 2u;
  let v2 = p2 < 7744u;
  let n2 = min(p2, 7743u) / 121u;
  let r2 = min(p2, 7743u) % 121u;
  let ih2 = i32(r2 / 11u) * 1i - 0i;
  let iw2 = i32(r2 % 11u) * 1i - 0i;
  let xb2 = n2 * 5408u + grp * 5408u;
  let p3 = pb * 8u + 3u;
  let v3 = p3 < 7744u;
  let n3 = min(p3, 7743u) / 121u;
  let r3 = min(p3, 7743u) % 121u;
  let ih3 = i32(r3 / 11u) * 1i - 0i;
  let iw3 = i32(r3 % 11u) * 1i - 0i;
  let xb3 = n3 * 5408u + grp * 5408u;
  let p4 = pb * 8u + 4u;
  let v4 = p4 < 7744u;
  let n4 = min(p4, 7743u) / 121u;
  let r4 = min(p4, 7743u) % 121u;
  let ih4 = i32(r4 / 11u) * 1i - 0i;
  let iw4 = i32(r4 % 11u) * 1i - 0i;
  let xb4 = n4 * 5408u + grp * 5408u;
  let p5 = pb * 8u + 5u;
  let v5 = p5 < 7744u;
  let n5 = min(p5, 7743u) / 121u;
  let r5 = min(p5, 7743u) % 121u;
  let ih5 = i32(r5 / 11u) * 1i - 0i;
  let iw5 = i32(r5 % 11u) * 1i - 0i;
  let xb5 = n5 * 5408u + grp * 5408u;
  let p6 = pb * 8u + 6u;
  let v6 = p6 < 7744u;
  let n6 = min(p6, 7743u) / 121u;
  let r6 = min(p6, 7743u) % 121u;
  let ih6 = i32(r6 / 11u) * 1i - 0i;
  let iw6 = i32(r6 % 11u) * 1i - 0i;
  let xb6 = n6 * 5408u + grp * 5408u;
  let p7 = pb * 8u + 7u;
  let v7 = p7 < 7744u;
  let n7 = min(p7, 7743u) / 121u;
  let r7 = min(p7, 7743u) % 121u;
  let ih7 = i32(r7 / 11u) * 1i - 0i;
  let iw7 = i32(r7 % 11u) * 1i - 0i;
  let xb7 = n7 * 5408u + grp * 5408u;
  var acc0_0 = vec4f(0.0);
  var acc0_1 = vec4f(0.0);
  var acc1_0 = vec4f(0.0);
  var acc1_1 = vec4f(0.0);
  var acc2_0 = vec4f(0.0);
  var acc2_1 = vec4f(0.0);
  var acc3_0 = vec4f(0.0);
  var acc3_1 = vec4f(0.0);
  var acc4_0 = vec4f(0.0);
  var acc4_1 = vec4f(0.0);
  var acc5_0 = vec4f(0.0);
  var acc5_1 = vec4f(0.0);
  var acc6_0 = vec4f(0.0);
  var acc6_1 = vec4f(0.0);
  var acc7_0 = vec4f(0.0);
  var acc7_1 = vec4f(0.0);
  var acc8_0 = vec4f(0.0);
  var acc8_1 = vec4f(0.0);
  var acc9_0 = vec4f(0.0);
  var acc9_1 = vec4f(0.0);
  var acc10_0 = vec4f(0.0);
  var acc10_1 = vec4f(0.0);
  var acc11_0 = vec4f(0.0);
  var acc11_1 = vec4f(0.0);
  var acc12_0 = vec4f(0.0);
  var acc12_1 = vec4f(0.0);
  var acc13_0 = vec4f(0.0);
  var acc13_1 = vec4f(0.0);
  var acc14_0 = vec4f(0.0);
  var acc14_1 = vec4f(0.0);
  var acc15_0 = vec4f(0.0);
  var acc15_1 = vec4f(0.0);
  for (var kh = 0i; kh < i32(select(3u, 0u, arrayLength(&b2) == 0u)); kh = kh + 1i) {
    for (var kw = 0i; kw < i32(select(3u, 0u, arrayLength(&b2) == 0u)); kw = kw + 1i) {
      let y0 = ih0 + kh * 1i;
      let x0 = iw0 + kw * 1i;
      let ok0 = v0 && y0 >= 0i && y0 < 13i && x0 >= 0i && x0 < 13i;
      var xo0 = select(0u, xb0 + u32(y0 * 13i + x0), ok0);
      let y1 = ih1 + kh * 1i;
      let x1 = iw1 + kw * 1i;
      let ok1 = v1 && y1 >= 0i && y1 < 13i && x1 >= 0i && x1 < 13i;
      var xo1 = select(0u, xb1 + u32(y1 * 13i + x1), ok1);
      let y2 = ih2 + kh * 1i;
      let x2 = iw2 + kw * 1i;
      let ok2 = v2 && y2 >= 0i && y2 < 13i && x2 >= 0i && x2 < 13i;
      var xo2 = select(0u, xb2 + u32(y2 * 13i + x2), ok2);
      let y3 = ih3 + kh * 1i;
      let x3 = iw3 + kw * 1i;
      let ok3 = v3 && y3 >= 0i && y3 < 13i && x3 >= 0i && x3 < 13i;
      var xo3 = select(0u, xb3 + u32(y3 * 13i + x3), ok3);
      let y4 = ih4 + kh * 1i;
      let x4 = iw4 + kw * 1i;
      let ok4 = v4 && y4 >= 0i && y4 < 13i && x4 >= 0i && x4 < 13i;
      var xo4 = select(0u, xb4 + u32(y4 * 13i + x4), ok4);
      let y5 = ih5 + kh * 1i;
      let x5 = iw5 + kw * 1i;
      let ok5 = v5 && y5 >= 0i && y5 < 13i && x5 >= 0i && x5 < 13i;
      var xo5 = select(0u, xb5 + u32(y5 * 13i + x5), ok5);
      let y6 = ih6 + kh * 1i;
      let x6 = iw6 + kw * 1i;
      let ok6 = v6 && y6 >= 0i && y6 < 13i && x6 >= 0i && x6 < 13i;
      var xo6 = select(0u, xb6 + u32(y6 * 13i + x6), ok6);
      let y7 = ih7 + kh * 1i;
      let x7 = iw7 + kw * 1i;
      let ok7 = v7 && y7 >= 0i && y7 < 13i && x7 >= 0i && x7 < 13i;
      var xo7 = select(0u, xb7 + u32(y7 * 13i + x7), ok7);
      if (ok0 || ok1 || ok2 || ok3 || ok4 || ok5 || ok6 || ok7) {
        var wo = u32(kh * 3i + kw);
        for (var ci = 0u; ci < 32u; ci = ci + 1u) {
          let xv0 = vec4f(select(0.0, b1[xo0], ok0), select(0.0, b1[xo1], ok1), select(0.0, b1[xo2], ok2), select(0.0, b1[xo3], ok3));
          let xv1 = vec4f(select(0.0, b1[xo4], ok4), select(0.0, b1[xo5], ok5), select(0.0, b1[xo6], ok6), select(0.0, b1[xo7], ok7));
          let w0 = b2[wr0 + wo];
          acc0_0 = acc0_0 + w0 * xv0;
          acc0_1 = acc0_1 + w0 * xv1;
          let w1 = b2[wr1 + wo];
          acc1_0 = acc1_0 + w1 * xv0;
          acc1_1 = acc1_1 + w1 * xv1;
          let w2 = b2[wr2 + wo];
          acc2_0 = acc2_0 + w2 * xv0;
          acc2_1 = acc2_1 + w2 * xv1;
          let w3 = b2[wr3 + wo];
          acc3_0 = acc3_0 + w3 * xv0;
          acc3_1 = acc3_1 + w3 * xv1;
          let w4 = b2[wr4 + wo];
          acc4_0 = acc4_0 + w4 * xv0;
          acc4_1 = acc4_1 + w4 * xv1;
          let w5 = b2[wr5 + wo];
          acc5_0 = acc5_0 + w5 * xv0;
          acc5_1 = acc5_1 + w5 * xv1;
          let w6 = b2[wr6 + wo];
          acc6_0 = acc6_0 + w6 * xv0;
          acc6_1 = acc6_1 + w6 * xv1;
          let w7 = b2[wr7 + wo];
          acc7_0 = acc7_0 + w7 * xv0;
          acc7_1 = acc7_1 + w7 * xv1;
          let w8 = b2[wr8 + wo];
          acc8_0 = acc8_0 + w8 * xv0;
          acc8_1 = acc8_1 + w8 * xv1;
          let w9 = b2[wr9 + wo];
          acc9_0 = acc9_0 + w9 * xv0;
          acc9_1 = acc9_1 + w9 * xv1;
          let w10 = b2[wr10 + wo];
          acc10_0 = acc10_0 + w10 * xv0;
          acc10_1 = acc10_1 + w10 * xv1;
          let w11 = b2[wr11 + wo];
          acc11_0 = acc11_0 + w11 * xv0;
          acc11_1 = acc11_1 + w11 * xv1;
          let w12 = b2[wr12 + wo];
          acc12_0 = acc12_0 + w12 * xv0;
          acc12_1 = acc12_1 + w12 * xv1;
          let w13 = b2[wr13 + wo];
          acc13_0 = acc13_0 + w13 * xv0;
          acc13_1 = acc13_1 + w13 * xv1;
          let w14 = b2[wr14 + wo];
          acc14_0 = acc14_0 + w14 * xv0;
          acc14_1 = acc14_1 + w14 * xv1;
          let w15 = b2[wr15 + wo];
          acc15_0 = acc15_0 + w15 * xv0;
          acc15_1 = acc15_1 + w15 * xv1;
          xo0 = xo0 + 169u;
          xo1 = xo1 + 169u;
          xo2 = xo2 + 169u;
          xo3 = xo3 + 169u;
          xo4 = xo4 + 169u;
          xo5 = xo5 + 169u;
          xo6 = xo6 + 169u;
          xo7 = xo7 + 169u;
          wo = wo + 9u;
        }
      }
    }
  }
  var accs = array<vec4f, 32>(acc0_0, acc0_1, acc1_0, acc1_1, acc2_0, acc2_1, acc3_0, acc3_1, acc4_0, acc4_1, acc5_0, acc5_1, acc6_0, acc6_1, acc7_0, acc7_1, acc8_0, acc8_1, acc9_0, acc9_1, acc10_0, acc10_1, acc11_0, acc11_1, acc12_0, acc12_1, acc13_0, acc13_1, acc14_0, acc14_1, acc15_0, acc15_1);
  let rows_here = min(16u, coEnd - co0);
  for (var r = 0u; r < rows_here; r = r + 1u) {
    let a0 = accs[r * 2u + 0u];
    let a1 = accs[r * 2u + 1u];
    if (v0) { store_out(n0 * 7744u + (co0 + r) * 121u + r0, a0[0]); }
    if (v1) { store_out(n1 * 7744u + (co0 + r) * 121u + r1, a0[1]); }
    if (v2) { store_out(n2 * 7744u + (co0 + r) * 121u + r2, a0[2]); }
    if (v3) { store_out(n3 * 7744u + (co0 + r) * 121u + r3, a0[3]); }
    if (v4) { store_out(n4 * 7744u + (co0 + r) * 121u + r4, a1[0]); }
    if (v5) { store_out(n5 * 7744u + (co0 + r) * 121u + r5, a1[1]); }
    if (v6) { store_out(n6 * 7744u + (co0 + r) * 121u + r6, a1[2]); }
    if (v7) { store_out(n7 * 7744u + (co0 + r) * 121u + r7, a1[3]); }
  }
}
