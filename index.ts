// dlc's library entry for Node: everything the browser entry has, plus Dawn devices, file I/O and the MNIST loader.
export * from './browser.ts';
export { openDevice, listAdapters, DeviceUnavailableError, type NodeDeviceHandle } from './runtime/device-node.ts';
export { saveWeights, loadWeights, saveCheckpoint, loadCheckpoint, initFromWeights, type TrainingProgress, type InitReport } from './runtime/weights-node.ts';
export { parseNpz } from './runtime/data/npz-node.ts';
export { loadArtifact } from './runtime/artifact-node.ts';
export { loadMnist, MnistMissingError, type Dataset } from './runtime/data/mnist.ts';
export {
  InferenceModel, InferenceError, fetchInferenceFiles, validateInferenceManifest, InferenceManifestError,
  type InferenceFiles, type InferenceInputs, type InferenceManifest,
} from './infer.ts';
export { readInferenceFolder } from './runtime/inference-node.ts';
