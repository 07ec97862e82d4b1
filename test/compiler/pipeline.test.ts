// The pass list: passes run in order and switches turn them off, the verifier runs between passes,
// and snapshots are copies later passes leave alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import { PASS_NAMES, runPipeline, type PipelineState } from '../../compiler/pipeline.ts';
import { parse } from '../../dsl/index.ts';
import { ROOT } from '../helpers/cli.ts';

const MLP = readFileSync(join(ROOT, 'samples', 'mnist_mlp.dl'), 'utf8');
const passesRun = (src: string, opts: Parameters<typeof compile>[1] = {}): string[] => compile(src, { ...opts, dumpIr: 'all' }).dumps!.map((d) => d.pass);

describe('pipeline', () => {
  it('runs the passes in order; fusion switches and a missing train section turn passes off', () => {
    expect(PASS_NAMES).toEqual(['lower', 'autodiff', 'optimizer', 'programs', 'constants', 'loss-head', 'fuse', 'plan', 'codegen']);
    expect(passesRun(MLP)).toEqual(PASS_NAMES);
    expect(passesRun(MLP, { fuse: false })).toEqual(['lower', 'autodiff', 'optimizer', 'programs', 'plan', 'codegen']);
    expect(passesRun(MLP, { fuse: { lossHead: false } })).toEqual(['lower', 'autodiff', 'optimizer', 'programs', 'constants', 'fuse', 'plan', 'codegen']);
    const inference = 'model m {\n  input x: f32[3]\n  y = x -> dense(2)\n  output y\n}\n';
    expect(passesRun(inference)).toEqual(['lower', 'programs', 'constants', 'fuse', 'plan', 'codegen']);
    expect(compile(MLP, { dumpIr: 'fuse' }).dumps!.map((d) => d.pass)).toEqual(['fuse']);
  });

  it('the verifier after each rewriting pass stops a graph a pass left inconsistent', () => {
    const s: PipelineState = { program: parse(MLP, 'net.dl').program! };
    runPipeline(s, {}, { until: 'programs' });
    // Break the graph as a faulty pass would: a matmul's value with a shape its rule does not give.
    const mm = s.graph!.nodes.find((n) => n.op === 'matmul')!;
    s.graph!.value(mm.output!).shape = [1, 1];
    expect(() => runPipeline(s, {}, { from: 'constants' })).toThrow(`node ${mm.id} matmul: shape [1, 1] but the rule gives [128, 128]`);
  });

  it('a snapshot is the graph after its pass, left alone by the passes after it', () => {
    const r = compile(MLP, { dumpIr: 'all', snapshots: ['programs', 'fuse'] });
    const after = Object.fromEntries(r.dumps!.map((d) => [d.pass, d.text]));
    expect(printGraph(r.snapshots!.programs!)).toBe(after.programs);
    expect(printGraph(r.snapshots!.fuse!)).toBe(after.fuse);
    expect(after.programs).not.toBe(after.fuse);
    expect(compile(MLP).snapshots!.programs).toBeDefined();
  });
});
