// dlc's inference entry (`dlc/infer`): runs an artifact written by `dlc export` on a GPUDevice, in Node
// or a browser, with no compiler and no Node module (test/structure/infer-entry.test.ts checks it).
export { InferenceModel, InferenceError, fetchInferenceFiles, type InferenceFiles, type InferenceInputs } from './runtime/inference.ts';
export {
  validateInferenceManifest, InferenceManifestError, INFERENCE_FORMAT, INFERENCE_VERSION, INFERENCE_WEIGHTS_FILE,
  type InferenceManifest, type InferenceTensor, type InferenceWeight, type InferenceKernel, type BatchGrid,
} from './runtime/inference-manifest.ts';
export { SafetensorsError } from './runtime/safetensors.ts';
