// dlc's library entry for Node: the compiler, the runtime Session and training loop, and Dawn devices.
export { compile, type CompileOptions, type CompileResult } from './compiler/compile.ts';
export type { Artifact, Manifest } from './compiler/artifact.ts';
export { formatDiagnostics, type Diagnostic, type Span } from './dsl/diagnostics.ts';
export { Session, SessionError, type StepParams, type TensorData, type ProgramName, type SessionOptions } from './runtime/session.ts';
export { DEFAULT_DEADLINE, type DeadlinePolicy, type GpuWatchdog } from './runtime/deadline.ts';
export { fit, trainEpochs, NonFiniteError, evaluate, predict, type Samples, type EpochResult, type EvalResult, type FitOptions } from './runtime/fit.ts';
export type { ClipSpec, EarlyStoppingSpec, ScheduleSpec } from './compiler/artifact.ts';
export { openDevice, listAdapters, DeviceUnavailableError, type NodeDeviceHandle } from './runtime/device-node.ts';
export type { AdapterChoice, DeviceHandle } from './runtime/device.ts';
export { saveWeights, loadWeights, saveCheckpoint, loadCheckpoint, type TrainingProgress } from './runtime/weights-node.ts';
export { parseCsv, DataError } from './runtime/data/csv.ts';
export { parseNpy, parseIdx, arraysToSamples } from './runtime/data/arrays.ts';
export { parseNpz } from './runtime/data/npz-node.ts';
export { splitTail } from './runtime/data/split.ts';
export { layerGraph, toDot, toMermaid, toSvg } from './compiler/viz.ts';
export { loadArtifact } from './runtime/artifact-node.ts';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './runtime/safetensors.ts';
export { loadMnist, type Dataset } from './runtime/data/mnist.ts';
