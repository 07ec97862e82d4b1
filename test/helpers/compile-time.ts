// Child process for the compile-time tests: compiles a generated dense chain of LAYERS layers RUNS
// times (after one small warm-up compile) and prints {"seconds": median CPU seconds, "ok": ..., "codes": the
// diagnostics' codes of the first run}.
// A child keeps the test's own process responsive while a long compile runs.
import { compile } from '../../compiler/compile.ts';

/** A model whose hidden layers are one chain of `layers` dense(4) layers, trained with mse. */
function denseChain(layers: number): string {
  return `model deep {
  input x: f32[4]
  input y: f32[4]
  h = x -> ${Array.from({ length: layers }, () => 'dense(4)').join(' -> ')}
  output h
}
train deep {
  loss = mse(h, y)
  optimizer = sgd(lr: 0.01)
  batch = 2
}
`;
}

/** CPU seconds of one compile, and whether it succeeded. */
function timeCompile(src: string): { seconds: number; ok: boolean; codes: string[] } {
  const before = process.cpuUsage();
  const r = compile(src);
  const used = process.cpuUsage(before);
  return { seconds: (used.user + used.system) / 1e6, ok: r.ok, codes: r.diagnostics.map((d) => d.code) };
}

const [layers, runs] = [Number(process.argv[2]), Number(process.argv[3] ?? 1)];
timeCompile(denseChain(100)); // warm-up: the first compile also compiles the compiler
const results = Array.from({ length: runs }, () => timeCompile(denseChain(layers)));
const sorted = results.map((r) => r.seconds).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ seconds: sorted[sorted.length >> 1], ok: results.every((r) => r.ok), codes: results[0]!.codes })}\n`);
