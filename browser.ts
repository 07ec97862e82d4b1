// dlc's library entry for the browser (and any bundler): the compiler and the runtime with no Node module; the device comes from navigator.gpu.
export { compile, type CompileOptions, type CompileResult } from './compiler/compile.ts';
export { exportInference, type ExportOptions, type ExportResult } from './compiler/export.ts';
export type { Artifact, Manifest, ClipSpec, EarlyStoppingSpec, ScheduleSpec } from './compiler/artifact.ts';
export { formatDiagnostics, type Diagnostic, type Span } from './dsl/diagnostics.ts';
export { Session, SessionError, type StepParams, type TensorData, type ProgramName, type SessionOptions } from './runtime/session.ts';
export { profileKernels, firstNonFinite } from './runtime/inspect.ts';
export { DEFAULT_DEADLINE, type DeadlinePolicy, type GpuWatchdog } from './runtime/deadline.ts';
export { fit, trainEpochs, NonFiniteError, evaluate, predict, type Samples, type EpochResult, type EvalResult, type FitOptions } from './runtime/fit.ts';
export { browserDevice, type AdapterChoice, type DeviceHandle } from './runtime/device.ts';
export { validateManifest, ManifestError } from './runtime/manifest-check.ts';
export { ConfusionMatrix, RegressionErrors } from './runtime/metrics.ts';
export { argmax, softmax } from './runtime/predictions.ts';
export { parseCsv, DataError } from './runtime/data/csv.ts';
export { parseNpy, parseIdx, arraysToSamples } from './runtime/data/arrays.ts';
export { splitTail } from './runtime/data/split.ts';
export { layerGraph, toDot, toMermaid, toSvg } from './compiler/viz.ts';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './runtime/safetensors.ts';
export { exportOnnx, type OnnxExportOptions, type OnnxExportResult } from './compiler/onnx/export.ts';
