// id_buckets in embedding_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<i32>;
@group(0) @binding(1) var<storage, read> b1: array<i32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x;
  if (b >= 157u) { return; }
  let lo = i32(b * 64u);
  let hi = lo + 64i;
  let base = b * 3201u;
  var k = 0u;
  // The bound is read from the binding (it holds exactly the ids), so the driver cannot unroll the
  // loop over every id (a constant bound made lavapipe take 15-45 s to compile 15 ids).
  let n_ids = min(arrayLength(&b1), 3200u);
  for (var n = 0u; n < n_ids; n++) {
    let id = b1[n];
    if (id >= lo && id < hi) {
      k++;
      b0[base + k] = i32(n);
    }
  }
  b0[base] = i32(k);
  // The rest of the block's list is written too (zeros), so the whole output is defined.
  for (var j = k + 1u; j <= 3200u; j++) { b0[base + j] = 0i; }
}
