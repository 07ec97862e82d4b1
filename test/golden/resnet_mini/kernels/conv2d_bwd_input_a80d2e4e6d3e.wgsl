// conv2d_bwd_input in conv2d_6 (samples/resnet_mini.dl:4)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@compute @workgroup_size(32)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 3136u) { return; }
  let cb = i / 1568u;
  let pb = i % 1568u;
  let grp = cb / 2u;
  let cl0 = (cb % 2u) * 16u;
  let wr0 = min(cl0 + 0u, 31u) * 9u;
  let wr1 = min(cl0 + 1u, 31u) * 9u;
  let wr2 = min(cl0 + 2u, 31u) * 9u;
  let wr3 = min(cl0 + 3u, 31u) * 9u;
  let wr4 = min(cl0 + 4u, 31u) * 9u;
  let wr5 = min(cl0 + 5u, 31u) * 9u;
  let wr6 = min(cl0 + 6u, 31u) * 9u;
  let wr7 = min(cl0 + 7u, 31u) * 9u;
  let wr8 = min(cl0 + 8u, 31u) * 9u;
  let wr9 = min(cl0 + 9u, 31u) * 9u;
  let wr10 = min(cl0 + 10u, 31u) * 9u;
  let wr11 = min(cl0 + 11u, 31u) * 9u;
  let wr12 = min(cl0 + 12u, 31u) * 9u;
  let wr13 = min(cl0 + 13u, 31u) * 9u;
  let wr14 = min(cl0 + 14u, 31u) * 9u;
  let wr15 = min(cl0 + 15u, 31u) * 9u;
  let p0 = pb * 8u + 0u;
  let v0 = p0 < 12544u;
  let n0 = min(p0, 12543u) / 196u;
  let r0 = min(p0, 12543u) % 196u;
  let ty0 = i32(r0 / 14u) + 1i;
  let tx0 = i32(r0 % 14u) + 1i;
  let gb0 = n0 * 6272u + grp * 6272u;
  let p1 = pb * 8u + 1u;
  let v1 = p1 < 12544u;
  let n1 = min(p1, 12543u) / 196u;
  let r1 = min(p1, 12543u) % 196u;
  let ty1 = i32(r1 / 14u) + 1i;
  let tx1 = i32(r1 % 14u) + 1i;
  let gb1 = n1 * 6272u + grp * 6272u;
  let p2 = pb * 8u + 2u;
  let v2 = p2 < 12544u;
  let n2 = min(p2, 12543u) / 196u;
  let r2 = min(p2, 12543u) % 196u;
  let ty2 = i32(r2 / 14u) + 1i;
  let tx2 = i32(r2 % 14u) + 1i;
  let gb2 = n2 * 6272u + grp * 6272u;
  let p3 = pb * 8u + 3u;
  let v3 = p3 < 12544u;
  let n3 = min(p3, 12543u) / 196u;
  let r3 = min(p3, 12543u) % 196u;
  let ty3 = i32(r3 / 14u) + 1i;
  let tx3 = i32(r3 % 14u) + 1i;
  let gb3 = n3 * 6272u + grp * 6272u;
  let p4 = pb * 8u + 4u;
  let v4 = p4 < 12544u;
  let n4 = min(p4, 12543u) / 196u;
  let r4 = min(p4, 12543u) % 196u;
  let ty4 = i32(r4 / 14u) + 1i;
  let tx4 = i32(r4 % 14u) + 1i;
  let gb4 = n4 * 6272u + grp * 6272u;
  let p5 = pb * 8u + 5u;
  let v5 = p5 < 12544u;
  let n5 = min(p5, 12543u) / 196u;
  let r5 = min(p5, 12543u) % 196u;
  let ty5 = i32(r5 / 14u) + 1i;
  let tx5 = i32(r5 % 14u) + 1i;
  let gb5 = n5 * 6272u + grp * 6272u;
  let p6 = pb * 8u + 6u;
  let v6 = p6 < 12544u;
  let n6 = min(p6, 12543u) / 196u;
  let r6 = min(p6, 12543u) % 196u;
  let ty6 = i32(r6 / 14u) + 1i;
  let tx6 = i32(r6 % 14u) + 1i;
  let gb6 = n6 * 6272u + grp * 6272u;
  let p7 = pb * 8u + 7u;
  let v7 = p7 < 12544u;
  let n7 = min(p7, 12543u) / 196u;
  let r7 = min(p7, 12543u) % 196u;
  let ty7 = i32(r7 / 14u) + 1i;
  let tx7 = i32(r7 % 14u) + 1i;
  let gb7 = n7 * 6272u + grp * 6272u;
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
      let y0 = ty0 - kh * 1i;
      let x0 = tx0 - kw * 1i;
      let ok0 = v0 && y0 >= 0i && y0 < 14i && x0 >= 0i && x0 < 14i;
      var go0 = select(0u, gb0 + u32(y0 * 14i + x0), ok0);
      let y1 = ty1 - kh * 1i;
      let x1 = tx1 - kw * 1i;
      let ok1 = v1 && y1 >= 0i && y1 < 14i && x1 >= 0i && x1 < 14i;
      var go1 = select(0u, gb1 + u32(y1 * 14i + x1), ok1);
      let y2 = ty2 - kh * 1i;
      let x2 = tx2 - kw * 1i;
      let ok2 = v2 && y2 >= 0i && y2 < 14i && x2 >= 0i && x2 < 14i;
      var go2 = select(0u, gb2 + u32(y2 * 14i + x2), ok2);
      let y3 = ty3 - kh * 1i;
      let x3 = tx3 - kw * 1i;
      let ok3 = v3 && y3 >= 0i && y3 < 14i && x3 >= 0i && x3 < 14i;
      var go3 = select(0u, gb3 + u32(y3 * 14i + x3), ok3);
      let y4 = ty4 - kh * 1i;
      let x4 = tx4 - kw * 1i;
      let ok4 = v4 && y4 >= 0i && y4 < 14i && x4 >= 0i && x4 < 14i;
      var go4 = select(0u, gb4 + u32(y4 * 14i + x4), ok4);
      let y5 = ty5 - kh * 1i;
      let x5 = tx5 - kw * 1i;
      let ok5 = v5 && y5 >= 0i && y5 < 14i && x5 >= 0i && x5 < 14i;
      var go5 = select(0u, gb5 + u32(y5 * 14i + x5), ok5);
      let y6 = ty6 - kh * 1i;
      let x6 = tx6 - kw * 1i;
      let ok6 = v6 && y6 >= 0i && y6 < 14i && x6 >= 0i && x6 < 14i;
      var go6 = select(0u, gb6 + u32(y6 * 14i + x6), ok6);
      let y7 = ty7 - kh * 1i;
      let x7 = tx7 - kw * 1i;
      let ok7 = v7 && y7 >= 0i && y7 < 14i && x7 >= 0i && x7 < 14i;
      var go7 = select(0u, gb7 + u32(y7 * 14i + x7), ok7);
      if (ok0 || ok1 || ok2 || ok3 || ok4 || ok5 || ok6 || ok7) {
        var wo = grp * 9216u + u32(kh * 3i + kw);
        for (var co = 0u; co < 32u; co = co + 1u) {
          let gv0 = vec4f(select(0.0, b1[go0], ok0), select(0.0, b1[go1], ok1), select(0.0, b1[go2], ok2), select(0.0, b1[go3], ok3));
          let gv1 = vec4f(select(0.0, b1[go4], ok4), select(0.0, b1[go5], ok5), select(0.0, b1[go6], ok6), select(0.0, b1[go7], ok7));
          let w0 = b2[wo + wr0];
          acc0_0 = acc0_0 + w0 * gv0;
          acc0_1 = acc0_1 + w0 * gv1;
          let w1 = b2[wo + wr1];
          acc1_0 = acc1_0 + w1 * gv0;
          acc1_1 = acc1_1 + w1 * gv1;
          let w2 = b2[wo + wr2];
          acc2_0 = acc2_0 + w2 * gv0;
          acc2_1 = acc2_1 + w2 * gv1;
          let w3 = b2[wo + wr3];
          acc3_0 = acc3_0 + w3 * gv0;
          acc3_1 = acc3_1 + w3 * gv1;
          let w4 = b2[wo + wr4];
          acc4_0 = acc4_0 + w4 * gv0;
          acc4_1 = acc4_1 + w4 * gv1;
          let w5 = b2[wo + wr5];
          acc5_0 = acc5_0 + w5 * gv0;
          acc5_1 = acc5_1 + w5 * gv1;
          let w6 = b2[wo + wr6];
          acc6_0 = acc6_0 + w6 * gv0;
          acc6_1 = acc6_1 + w6 * gv1;
          let w7 = b2[wo + wr7];
          acc7_0 = acc7_0 + w7 * gv0;
          acc7_1 = acc7_1 + w7 * gv1;
          let w8 = b2[wo + wr8];
          acc8_0 = acc8_0 + w8 * gv0;
          acc8_1 = acc8_1 + w8 * gv1;
          let w9 = b2[wo + wr9];
          acc9_0 = acc9_0 + w9 * gv0;
          acc9_1 = acc9_1 + w9 * gv1;
          let w10 = b2[wo + wr10];
          acc10_0 = acc10_0 + w10 * gv0;
          acc10_1 = acc10_1 + w10 * gv1;
          let w11 = b2[wo + wr11];
          acc11_0 = acc11_0 + w11 * gv0;
          acc11_1 = acc11_1 + w11 * gv1;
          let w12 = b2[wo + wr12];
          acc12_0 = acc12_0 + w12 * gv0;
          acc12_1 = acc12_1 + w12 * gv1;
          let w13 = b2[wo + wr13];
          acc13_0 = acc13_0 + w13 * gv0;
          acc13_1 = acc13_1 + w13 * gv1;
          let w14 = b2[wo + wr14];
          acc14_0 = acc14_0 + w14 * gv0;
          acc14_1 = acc14_1 + w14 * gv1;
          let w15 = b2[wo + wr15];
          acc15_0 = acc15_0 + w15 * gv0;
          acc15_1 = acc15_1 + w15 * gv1;
          go0 = go0 + 196u;
          go1 = go1 + 196u;
          go2 = go2 + 196u;
          go3 = go3 + 196u;
          go4 = go4 + 196u;
          go5 = go5 + 196u;
          go6 = go6 + 196u;
          go7 = go7 + 196u;
          wo = wo + 288u;
        }
      }
    }
  }
  var accs = array<vec4f, 32>(acc0_0, acc0_1, acc1_0, acc1_1, acc2_0, acc2_1, acc3_0, acc3_1, acc4_0, acc4_1, acc5_0, acc5_1, acc6_0, acc6_1, acc7_0, acc7_1, acc8_0, acc8_1, acc9_0, acc9_1, acc10_0, acc10_1, acc11_0, acc11_1, acc12_0, acc12_1, acc13_0, acc13_1, acc14_0, acc14_1, acc15_0, acc15_1);
  let rows_here = min(16u, 32u - cl0);
  for (var r = 0u; r < rows_here; r = r + 1u) {
    let a0 = accs[r * 2u + 0u];
    let a1 = accs[r * 2u + 1u];
    if (v0) { b0[n0 * 6272u + (grp * 32u + cl0 + r) * 196u + r0] = a0[0]; }
    if (v1) { b0[n1 * 6272u + (grp * 32u + cl0 + r) * 196u + r1] = a0[1]; }
    if (v2) { b0[n2 * 6272u + (grp * 32u + cl0 + r) * 196u + r2] = a0[2]; }
    if (v3) { b0[n3 * 6272u + (grp * 32u + cl0 + r) * 196u + r3] = a0[3]; }
    if (v4) { b0[n4 * 6272u + (grp * 32u + cl0 + r) * 196u + r4] = a1[0]; }
    if (v5) { b0[n5 * 6272u + (grp * 32u + cl0 + r) * 196u + r5] = a1[1]; }
    if (v6) { b0[n6 * 6272u + (grp * 32u + cl0 + r) * 196u + r6] = a1[2]; }
    if (v7) { b0[n7 * 6272u + (grp * 32u + cl0 + r) * 196u + r7] = a1[3]; }
  }
}
