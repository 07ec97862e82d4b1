// Initialiser fans as Keras 3 computes them (keras/src/initializers/random_initializers.py,
// compute_fans): a 2-D kernel [in, out] gives (in, out); a convolution kernel [kh, kw, C/groups,
// filters] gives fan_in = kh·kw·C/groups and fan_out = kh·kw·filters, grouped or depthwise alike
// (Conv2D(groups=g) builds that kernel shape). dlc stores conv kernels as [filters, C/groups, kh, kw].
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';

function params(body: string, input = 'f32[4, 6, 6]') {
  const src = `model m {
  input x: ${input}
  input y: f32[2]
  ${body}
  output p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 0.05); batch = 2; seed = 1 }`;
  const r = compile(src, { file: 'net.dl' });
  expect(formatDiagnostics(r.diagnostics, src)).toBe('');
  return r.artifact!.manifest.params;
}

const fans = (ps: ReturnType<typeof params>, name: string) => {
  const init = ps.find((p) => p.name === name)!.init as { kind: string; fanIn?: number; fanOut?: number };
  return [init.kind, init.fanIn, init.fanOut];
};

describe("initialiser fans match Keras's compute_fans", () => {
  it('dense: fan_in = input features, fan_out = units', () => {
    const ps = params('p = x -> flatten -> dense(5) -> dense(2, init: glorot_normal)');
    expect(fans(ps, 'dense_1.kernel')).toEqual(['glorot_uniform', 144, 5]);
    expect(fans(ps, 'dense_2.kernel')).toEqual(['glorot_normal', 5, 2]);
  });

  it('conv2d: receptive field × input channels in, receptive field × filters out', () => {
    const ps = params('p = x -> conv2d(8, [3, 2], init: glorot_uniform) -> flatten -> dense(2)');
    expect(fans(ps, 'conv2d_1.kernel')).toEqual(['glorot_uniform', 3 * 2 * 4, 3 * 2 * 8]);
  });

  it('grouped conv2d: input channels per group in, all the filters out (Conv2D(groups=2) kernel [3, 3, 2, 6])', () => {
    const ps = params('p = x -> conv2d(6, 3, groups: 2, init: glorot_uniform) -> flatten -> dense(2)');
    expect(ps.find((p) => p.name === 'conv2d_1.kernel')!.shape).toEqual([6, 2, 3, 3]);
    expect(fans(ps, 'conv2d_1.kernel')).toEqual(['glorot_uniform', 9 * 2, 9 * 6]);
  });

  it('depthwise conv2d (groups = channels): kernel [3, 3, 1, 8] gives fans 9 and 72', () => {
    const ps = params('p = x -> conv2d(8, 3, groups: 4, init: glorot_normal) -> flatten -> dense(2)');
    expect(fans(ps, 'conv2d_1.kernel')).toEqual(['glorot_normal', 9, 72]);
  });
});
