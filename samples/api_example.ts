// Training from TypeScript: compile a network in memory, train it on MNIST, evaluate, save weights.
// Run: npx tsx samples/api_example.ts
import { compile, evaluate, fit, formatDiagnostics, loadMnist, openDevice, saveWeights, Session } from '../index.ts';

const source = `
model mlp {
  input image: f32[784]
  input label: class[10]
  logits = image -> dense(64, activation: relu) -> dense(10)
  output logits
}
train mlp {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 2e-3)
  batch = 100
  metrics = [accuracy]
}`;

const compiled = compile(source, { file: 'mlp.dl' });
if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics, source));

const { train, test } = loadMnist();
const gpu = await openDevice(); // Vulkan, else OpenGL ES; DLC_ADAPTER=vulkan|gles picks one
const session = await Session.create(compiled.artifact!, gpu.device);
await fit(session, { count: train.count, tensors: { image: train.images, label: train.labels } }, {
  epochs: 2,
  onEpoch: (e) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, accuracy ${(e.accuracy! * 100).toFixed(1)}%`),
});
const held = await evaluate(session, { count: test.count, tensors: { image: test.images, label: test.labels } });
console.log(`held-out accuracy ${(held.accuracy! * 100).toFixed(1)}%`);
await saveWeights(session, '/tmp/mlp.safetensors');
session.dispose();
gpu.destroy();
