// Memory planning: no two values alive at once share bytes, a kernel never writes a buffer range it
// reads, allocation stays near the lower bound, and the MLP step stays within 10 dispatches.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { opDef } from '../../compiler/ir/ops/index.ts';
import type { ValueId } from '../../compiler/ir/types.ts';
import { viewRoot, type MemoryPlan } from '../../compiler/passes/plan.ts';
import { planMemory } from '../../compiler/passes/plan.ts';
import { ROOT } from '../helpers/cli.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort();
const read = (f: string): string => readFileSync(join(ROOT, 'samples', f), 'utf8');

/** Walks train_step then eval; fails when a write lands on bytes a live value still needs. */
function checkPlan(g: Graph, plan: MemoryPlan): void {
  const seq = (['train_step', 'eval'] as const).flatMap((p) => g.programs[p].nodes.map((id) => ({ p, id })));
  const lastUse = new Map<ValueId, number>();
  seq.forEach(({ id }, t) => { for (const v of g.nodes[id]!.inputs) lastUse.set(viewRoot(g, v), t); });
  (['train_step', 'eval'] as const).forEach((p) => {
    const end = seq.map((s) => s.p).lastIndexOf(p);
    for (const o of g.programs[p].outputs) lastUse.set(viewRoot(g, o.value), Math.max(lastUse.get(viewRoot(g, o.value)) ?? -1, end));
  });
  const where = (v: ValueId): string => `${plan.bufferOf.get(v)}@${plan.offsetOf.get(v) ?? 0}`;
  const occupant = new Map<string, ValueId>();
  seq.forEach(({ id }, t) => {
    const n = g.nodes[id]!;
    if (n.output === null || opDef(n.op).kind === 'view') return;
    const slot = where(n.output);
    for (const v of n.inputs) expect(where(v) === slot && viewRoot(g, v) !== n.output, `${n.op} reads and writes ${slot}`).toBe(false);
    const prev = occupant.get(slot);
    const role = g.value(n.output).role;
    if (prev !== undefined && prev !== n.output && role !== 'state') {
      expect(lastUse.get(prev) ?? -1, `${g.value(n.output).name} overwrites ${g.value(prev).name} while it is live`).toBeLessThan(t);
    }
    occupant.set(slot, n.output);
  });
}

describe('memory plan', () => {
  for (const f of SAMPLES) {
    it(`${f}: no live value is overwritten, with and without arenas`, () => {
      const r = compile(read(f), { file: f });
      const g = r.graph!;
      checkPlan(g, planMemory(g));
      checkPlan(g, planMemory(g, ['train_step', 'eval'], { arenas: false }));
      // The bound is one no plan beats (transfer_finetune's frozen convolutions once made it too high).
      const s = r.artifact!.manifest.stats.memory;
      expect(s.allocatedBytes).toBeGreaterThanOrEqual(s.lowerBoundBytes);
    });
  }

  for (const f of ['mnist_mlp.dl', 'mnist_cnn.dl']) {
    it(`${f}: allocated GPU memory is within 1.25× of the lower bound`, () => {
      const s = compile(read(f), { file: f }).artifact!.manifest.stats.memory;
      expect(s.lowerBoundBytes).toBe(s.parameters + s.state + s.inputs + s.peakActivations);
      expect(s.gradients).toBe(s.parameters);
      expect(s.allocatedBytes).toBeGreaterThanOrEqual(s.lowerBoundBytes);
      expect(s.allocatedBytes / s.lowerBoundBytes).toBeLessThanOrEqual(1.25);
    });
  }

  it('the MLP train step is at most 10 dispatches: fused layers, loss head, one optimizer kernel', () => {
    const m = compile(read('mnist_mlp.dl')).artifact!.manifest;
    const names = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name);
    expect(names.length).toBeLessThanOrEqual(10);
    expect(names).toContain('softmax_ce_head:loss');
    expect(names.filter((n) => n.startsWith('adam'))).toEqual(['adam:all parameters']);
    const unfused = compile(read('mnist_mlp.dl'), { fuse: false }).artifact!.manifest;
    expect(unfused.stats.dispatches.train_step).toBeGreaterThan(2 * names.length);
  });
});
