// Training from TypeScript: compile a network in memory, train it on MNIST epoch by epoch (an async
// iterator; fit() does the same in one call), with validation, a schedule and a checkpoint per
// epoch, then evaluate and save the weights.
// Run: npx tsx samples/api_example.ts
import { compile, evaluate, formatDiagnostics, loadMnist, openDevice, saveCheckpoint, saveWeights, Session, trainEpochs } from '../index.ts';

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
const trainSet = { count: train.count, tensors: { image: train.images, label: train.labels } };
const testSet = { count: test.count, tensors: { image: test.images, label: test.labels } };
for await (const e of trainEpochs(session, trainSet, { epochs: 2, validation: testSet, schedule: { kind: 'cosine', min: 1e-4 } })) {
  console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, accuracy ${(e.accuracy! * 100).toFixed(1)}%, val_accuracy ${(e.val!.accuracy! * 100).toFixed(1)}%, lr ${e.lr.toPrecision(3)}`);
  await saveCheckpoint(session, '/tmp/mlp.checkpoint.safetensors', { epoch: e.epoch, step: session.step, seed: session.seed });
}
const held = await evaluate(session, testSet);
console.log(`held-out accuracy ${(held.accuracy! * 100).toFixed(1)}%`);
await saveWeights(session, '/tmp/mlp.safetensors');
session.dispose();
gpu.destroy();
