// `dlc export --format onnx net.dl --weights W.safetensors -o model.onnx` (one writer of cli/export.ts):
// the forward program with trained weights as a standard ONNX model (compiler/onnx). Everything is
// checked before the file is written, and it is written whole or not at all.
import { readFileSync } from 'node:fs';
import { exportOnnx } from '../compiler/onnx/export.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import { checkOutputPath, writeFileSafely, type InputFile } from '../runtime/write-node.ts';
import { compileFile } from './compile-file.ts';
import { ReportedError } from './errors.ts';
import { wantedWeights } from './export-weights.ts';
import type { CliOptions } from './options.ts';

/** `--format onnx`: the model as one .onnx file, written whole or not at all. */
export async function exportOnnxFile(job: { file: string; out: string; weights: string; opts: CliOptions; inputs: InputFile[]; version: string }): Promise<void> {
  const { file, out, opts, inputs } = job;
  await checkOutputPath(out, { inputs });
  const r = await compileFile(file, opts);
  const graph = r.snapshots?.programs;
  if (!graph) throw new Error('internal error: no graph before fusion');
  const wanted = graph.params.map((p) => graph.value(p.value)).concat(graph.state.filter((s) => s.owner === 'layer').map((s) => graph.value(s.value)));
  const data = await wantedWeights(job.weights, r.lowered!.model.name, wanted, Object.fromEntries(r.lowered!.renamed));
  const weights = new Map(wanted.map((w, i) => [w.name, data[i]!]));
  const exported = exportOnnx({ graph, weights, name: r.lowered!.model.name, fallbackSpan: r.lowered!.model.nameSpan, producerVersion: job.version });
  if (!exported.ok) {
    const n = exported.diagnostics.length;
    process.stderr.write(`${formatDiagnostics(exported.diagnostics, readFileSync(file, 'utf8'))}\n${n} error${n === 1 ? '' : 's'}\n`);
    throw new ReportedError();
  }
  await writeFileSafely(out, exported.bytes, { inputs });
  const m = exported.model;
  process.stdout.write(`wrote ${printable(out)}: ONNX opset 17, ${m.nodes.length} nodes, inputs ${m.inputs.map((i) => `${i.name} [${i.dims.join(', ')}]`).join(', ')}\n`);
}
