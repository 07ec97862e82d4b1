// The float64 interpreter set up like a GPU session: same initial parameters and state, same steps.
import type { CompileResult } from '../../compiler/compile.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { tensor, type Tensor } from '../../compiler/ir/tensor.ts';
import type { ProgramName } from '../../compiler/ir/types.ts';
import { runProgram, type Env } from '../../compiler/reference/interp.ts';
import { initialTensors } from '../../runtime/init.ts';

export class ReferenceRun {
  readonly graph: Graph;
  readonly env: Env = new Map();
  private step = 0;

  constructor(private readonly result: CompileResult) {
    const g = (this.graph = result.graph!);
    const m = result.artifact!.manifest;
    const params = initialTensors(m.params, m.train.seed);
    for (const p of g.params) this.env.set(p.value, tensor(g.value(p.value).shape, params.get(g.value(p.value).name)!));
    const state = initialTensors(m.state, 0);
    for (const s of g.state) this.env.set(s.value, tensor(g.value(s.value).shape, state.get(g.value(s.value).name)!));
  }

  /** Runs one program on the given inputs; returns its named outputs. */
  run(program: ProgramName, inputs: Record<string, Float32Array | Int32Array>): Record<string, Tensor> {
    const g = this.graph;
    const m = this.result.artifact!.manifest;
    for (const [name, data] of Object.entries(inputs)) {
      const v = g.inputs.find((i) => i.name === name)!.value;
      this.env.set(v, tensor(g.value(v).shape, data));
    }
    if (program === 'train_step') this.step++;
    runProgram(g, program, this.env, { lr: m.train.optimizer.lr, step: this.step, seed: m.train.seed });
    return Object.fromEntries(g.programs[program].outputs.map((o) => [o.name, this.env.get(o.value)!]));
  }

  /** One train step; returns the loss. */
  trainStep(inputs: Record<string, Float32Array | Int32Array>): number {
    return this.run('train_step', inputs).loss!.data[0]!;
  }

  /**
   * Takes every parameter and state tensor (by name) and the step count of `other`, a run of the
   * same model at another batch size: the float64 twin of Session.copyTrainingStateTo.
   */
  adopt(other: ReferenceRun): void {
    const g = this.graph;
    for (const slot of [...g.params, ...g.state]) {
      const v = other.tensor(g.value(slot.value).name);
      this.env.set(slot.value, tensor(g.value(slot.value).shape, Float64Array.from(v)));
    }
    this.step = other.step;
  }

  /** A parameter or state tensor's current values, by its manifest name. */
  tensor(name: string): Float64Array {
    const g = this.graph;
    const slot = [...g.params, ...g.state].find((s) => g.value(s.value).name === name);
    if (!slot) throw new Error(`no parameter or state named '${name}'`);
    return Float64Array.from(this.env.get(slot.value)!.data);
  }
}
