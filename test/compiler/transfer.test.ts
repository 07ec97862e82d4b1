// Transfer learning in the compiler: layers named by `name:` keep their weights' names, the freeze
// list and `trainable: false` leave frozen parameters without gradient or update kernels, a frozen
// batch norm normalises with its running statistics (Keras since TF 2.0), and mistakes are named.
import { describe, expect, it } from 'vitest';
import { compiles, errors } from '../helpers/compile-source.ts';

const net = (layers: string, train = '') => `model m {
  input x: f32[6]
  input y: class[3]
${layers}
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(); batch = 3${train ? `; ${train}` : ''} }`;

const BASE = `  h = x -> dense(8, name: encoder) -> relu
  logits = h -> dense(3)`;

const paramNames = (src: string) => compiles(src).artifact!.manifest.params.map((p) => p.name);
const trainDispatches = (src: string) => compiles(src).artifact!.manifest.stats.dispatches.train_step!;

describe('stable layer names', () => {
  it('name: names a layer\'s weights; a layer added elsewhere renames only the positional ones', () => {
    // A named layer still takes its positional number, so naming one leaves the others' names as they were.
    expect(paramNames(net(BASE))).toEqual(['encoder.kernel', 'encoder.bias', 'dense_2.kernel', 'dense_2.bias']);
    const grown = net(`  h = x -> dense(5) -> dense(8, name: encoder) -> relu
  logits = h -> dense(3)`);
    expect(paramNames(grown)).toEqual(['dense_1.kernel', 'dense_1.bias', 'encoder.kernel', 'encoder.bias', 'dense_3.kernel', 'dense_3.bias']);
  });

  it('the manifest maps each named layer to its positional name, so weight files from before load', () => {
    expect(compiles(net(BASE)).artifact!.manifest.renamedLayers).toEqual({ encoder: 'dense_1' });
  });

  it('a name used twice, or clashing with a positional one, is refused at the second', () => {
    expect(errors(net(`  h = x -> dense(8, name: enc) -> dense(8, name: enc)
  logits = h -> dense(3)`))).toContain("net.dl:4:50: error: layer name 'enc' is already taken by the layer at line 4; layer names are unique (give one a name: argument)");
    expect(errors(net(`  h = x -> dense(8, name: dense_2)
  logits = h -> dense(3) -> dense(3)`))).toContain("net.dl:5:17: error: layer name 'dense_2' is already taken by the layer at line 4");
  });

  it('name: takes a layer name', () => {
    expect(errors(net(`  logits = x -> dense(3, name: "9lives")`))).toContain("argument 'name' of dense: expected a layer name");
  });
});

describe('freezing', () => {
  it('frozen parameters get no gradient or update kernels: the train step has fewer dispatches', () => {
    const free = trainDispatches(net(BASE));
    const frozen = trainDispatches(net(BASE, 'freeze = [encoder]'));
    expect(frozen).toBeLessThan(free);
    // trainable: false on the layer is the same freeze.
    expect(trainDispatches(net(BASE.replace('name: encoder', 'name: encoder, trainable: false')))).toBe(frozen);
  });

  it('no update node reads a frozen parameter, and the manifest marks it', () => {
    const r = compiles(net(BASE, 'freeze = [encoder]'));
    const g = r.graph!;
    const frozen = g.params.filter((p) => p.frozen).map((p) => g.value(p.value).name);
    expect(frozen).toEqual(['encoder.kernel', 'encoder.bias']);
    const updated = g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => n.phase === 'update' && n.op === 'adam').map((n) => g.value(n.inputs[0]!).name);
    expect(updated.sort()).toEqual(['dense_2.bias', 'dense_2.kernel']);
    expect(r.artifact!.manifest.params.filter((p) => p.frozen).map((p) => p.name)).toEqual(['encoder.kernel', 'encoder.bias']);
  });

  it('freeze may name a binding: every layer with weights written in it', () => {
    const src = net(`  h = x -> dense(8) -> relu -> dense(8)
  logits = h -> dense(3)`, 'freeze = [h]');
    const g = compiles(src).graph!;
    expect(g.params.filter((p) => p.frozen).map((p) => g.value(p.value).name)).toEqual(['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias']);
  });

  it('a binding that calls a block freezes the block\'s layers of that call only', () => {
    const src = `block two(x) {
  h = x -> dense(6) -> dense(6)
  return h
}
${net(`  a = x -> two
  b = a -> two
  logits = b -> dense(3)`, 'freeze = [a]')}`;
    const g = compiles(src).graph!;
    expect(g.params.filter((p) => p.frozen).map((p) => g.value(p.value).name)).toEqual(['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias']);
  });

  it('a frozen batch norm uses its running statistics in training and does not update them', () => {
    const bn = `  h = x -> dense(8) -> batchnorm(name: bn)
  logits = h -> dense(3)`;
    const ops = (src: string) => { const g = compiles(src).graph!; return g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => n.layer === 'bn').map((n) => n.op); };
    expect(ops(net(bn))).toContain('ema');
    const frozen = ops(net(bn, 'freeze = [bn]'));
    expect(frozen).not.toContain('ema');
    expect(frozen).not.toContain('sum_to'); // no batch mean or variance
  });

  it('freeze naming an unknown layer: did you mean, at its line', () => {
    expect(errors(net(BASE, 'freeze = [encodr]'))).toBe(`net.dl:8:85: error: freeze names 'encodr', which is no layer with weights; did you mean 'encoder'? (layers: encoder, dense_2)
 8 | train m { loss = cross_entropy(logits, y); optimizer = adam(); batch = 3; freeze = [encodr] }
   |                                                                                     ^^^^^^`);
  });

  it('init_from takes a file name, skip_mismatch true or false', () => {
    expect(errors(net(BASE, 'init_from = base'))).toContain("train setting 'init_from': expected a file name in quotes");
    expect(errors(net(BASE, 'skip_mismatch = 1'))).toContain("train setting 'skip_mismatch': expected true or false");
    const m = compiles(net(BASE, 'init_from = "base/w.safetensors"; skip_mismatch = true')).artifact!.manifest;
    expect(m.train.initFrom).toEqual({ path: 'base/w.safetensors', line: 8 });
    expect(m.train.skipMismatch).toBe(true);
  });
});
