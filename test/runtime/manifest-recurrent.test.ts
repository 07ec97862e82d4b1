// The manifest check knows the recurrent layers' initialisers and refuses one that does not fit its tensor.
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../runtime/manifest-check.ts';
import { compiles } from '../helpers/compile-source.ts';

const manifest = () => structuredClone(compiles('model m {\n  input x: f32[5, 3]\n  h = x -> lstm(4)\n  output h\n}').artifact!.manifest);

describe('recurrent initialisers in a manifest', () => {
  it('orthogonal and unit_forget_bias pass as compiled', () => {
    expect(() => validateManifest(manifest())).not.toThrow();
  });
  it('an orthogonal rows × cols that is not the tensor size is refused', () => {
    const m = manifest();
    const p = m.params.find((q) => q.name === 'lstm_1.recurrent_kernel')!;
    p.init = { kind: 'orthogonal', rows: 5, cols: 16 };
    expect(() => validateManifest(m)).toThrow(/params\[1\]\.init.*rows × cols is not the tensor's size/);
  });
  it('a unit_forget_bias whose units are not a quarter of the bias is refused', () => {
    const m = manifest();
    const p = m.params.find((q) => q.name === 'lstm_1.bias')!;
    p.init = { kind: 'unit_forget_bias', units: 3 };
    expect(() => validateManifest(m)).toThrow(/params\[2\]\.init\.units.*is not a quarter/);
  });
});
