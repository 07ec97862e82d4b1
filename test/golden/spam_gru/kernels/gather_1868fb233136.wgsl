// gather in embedding_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<i32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 102400u) { return; }
  let id = b2[i / 32u];
  // An id outside the table reads zeros (the data readers refuse such ids before they get here).
  if (id >= 0i && id < 10000i) {
    b0[i] = b1[u32(id) * 32u + i % 32u];
  } else {
    b0[i] = 0.0;
  }
}
