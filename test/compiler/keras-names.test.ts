// Keras 3's spellings of layer arguments (Conv2D's kernel_size, strides, dilation_rate,
// kernel_initializer; the pools' pool_size; UpSampling2D's size; Reshape's target_shape;
// LeakyReLU's negative_slope) are refused with dlc's name as the suggestion, as the optimizers'
// learning_rate and beta_1 are.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';

function firstError(body: string): string {
  const src = `model m {
  input x: f32[4, 8, 8]
  input y: f32[2]
  ${body}
  output p
}
train m { loss = mse(p, y); batch = 2 }`;
  const r = compile(src, { file: 'net.dl' });
  expect(r.ok).toBe(false);
  return formatDiagnostics(r.diagnostics, src).split('\n')[0]!;
}

describe("Keras's argument names suggest dlc's", () => {
  const cases: [string, string][] = [
    ['p = x -> conv2d(4, kernel_size: 3) -> flatten -> dense(2)', "unknown argument 'kernel_size' for conv2d; did you mean 'kernel'?"],
    ['p = x -> conv2d(4, strides: 2) -> flatten -> dense(2)', "unknown argument 'strides' for conv2d; did you mean 'stride'?"],
    ['p = x -> conv2d(4, dilation_rate: 2) -> flatten -> dense(2)', "unknown argument 'dilation_rate' for conv2d; did you mean 'dilation'?"],
    ['p = x -> flatten -> dense(2, kernel_initializer: he_normal)', "unknown argument 'kernel_initializer' for dense; did you mean 'init'?"],
    ['p = x -> maxpool(pool_size: 2) -> flatten -> dense(2)', "unknown argument 'pool_size' for maxpool; did you mean 'pool'?"],
    ['p = x -> upsample(size: 2) -> flatten -> dense(2)', "unknown argument 'size' for upsample; did you mean 'factor'?"],
    ['p = x -> reshape(target_shape: [256]) -> dense(2)', "unknown argument 'target_shape' for reshape; did you mean 'shape'?"],
    ['p = x -> flatten -> dense(2) -> leaky_relu(negative_slope: 0.2)', "unknown argument 'negative_slope' for leaky_relu; did you mean 'alpha'?"],
    ['p = x -> flatten -> dense(2, activation: leaky_relu(negative_slope: 0.2))', "unknown argument 'negative_slope' for leaky_relu; did you mean 'alpha'?"],
  ];
  for (const [body, want] of cases) {
    it(body, () => {
      const line = firstError(body);
      expect(line).toMatch(/^net\.dl:4:\d+: error: /);
      expect(line.replace(/^net\.dl:4:\d+: error: /, '')).toBe(want);
    });
  }

  it('an alias of another layer falls back to the usual hint', () => {
    expect(firstError('p = x -> flatten -> dense(2, strides: 2)')).toContain("unknown argument 'strides' for dense (accepted: units, activation, use_bias, init, bias_init, kernel_regularizer, bias_regularizer)");
  });
});
