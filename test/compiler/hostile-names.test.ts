// Names from the language never reach WGSL as code: identifiers in kernels are generated (b0, b1, …),
// and the only user text (layer and file names in a comment) is printable ASCII on one line. Hostile
// names compile to valid WGSL, or are refused with a diagnostic.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { dawnValidator } from '../../scripts/fuzz-engine.ts';
import { useDevice } from '../helpers/gpu.ts';

const program = (name: string, model = 'm') => `model ${model} {
  input x: f32[5]
  input y: class[3]
  ${name} = x -> dense(4) -> relu
  logits = ${name} -> dense(3)
  output logits
}
train ${model} { loss = cross_entropy(logits, y); optimizer = adam; batch = 2 }`;

const WGSL_WORDS = ['fn', 'let', 'var', 'struct', 'loop', 'workgroup', 'array', 'ptr', 'main', 'b0', 'step_params', 'bitcast', 'override', 'storage'];

describe('hostile names', () => {
  const device = useDevice('gles');
  it('WGSL keywords, binding names and very long names as value and model names give valid kernels free of them', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const validate = dawnValidator(h.device);
    // Names do not change the code at all: every kernel body (below its header comment) is the same
    // as for a program whose value is called h.
    const bodies = (src: string): string[] => Object.values(compile(src, { file: 'n.dl' }).artifact!.shaders).map((c) => c.slice(c.indexOf('\n') + 1)).sort();
    const baseline = bodies(program('h'));
    for (const name of [...WGSL_WORDS, 'a'.repeat(500)]) {
      const src = program(name, name === 'fn' ? 'struct' : 'm');
      const r = compile(src, { file: 'n.dl' });
      expect(r.diagnostics, name).toEqual([]);
      expect(bodies(src), name).toEqual(baseline);
      for (const [file, code] of Object.entries(r.artifact!.shaders)) expect(await validate(code), `${name}: ${file}`).toBeNull();
    }
  });
  it('a file name with a newline and Unicode stays inside the comment', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const file = 'evil\n@compute @workgroup_size(1) fn pwn() {}\n// ü名.dl';
    const r = compile(program('h'), { file });
    expect(r.diagnostics).toEqual([]);
    for (const code of Object.values(r.artifact!.shaders)) {
      expect(code.split('\n')[0]).toMatch(/^\/\/ [\x20-\x7e]*$/);
      expect(code.split('\n').slice(1).join('\n')).not.toContain('pwn');
      expect(await dawnValidator(h.device)(code)).toBeNull();
    }
  });
  it('non-ASCII names are refused with a diagnostic, not passed on', () => {
    const r = compile(program('größe'), { file: 'n.dl' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics[0]!.span.line).toBe(4);
  });
});
