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

describe("Keras's compile and fit arguments written as train settings point to dlc's form", () => {
  const settingError = (setting: string): string => {
    const src = `model m {
  input x: f32[4]
  input y: f32[2]
  p = x -> dense(2)
  output p
}
train m {
  loss = mse(p, y)
  ${setting}
}`;
    const r = compile(src, { file: 'net.dl' });
    expect(r.ok).toBe(false);
    return formatDiagnostics(r.diagnostics, src).split('\n')[0]!;
  };
  it.each([
    ['loss_weights = [1, 0.5]', "net.dl:9:3: error: unknown train setting 'loss_weights'; weigh the losses in the loss itself, e.g. loss = cross_entropy(a, label) + 0.5 * mse(b, target)"],
    ['sample_weight = w', "net.dl:9:3: error: unknown train setting 'sample_weight'; sample weights are an argument of the loss: loss = cross_entropy(logits, label, sample_weight: w) with an input w: f32[1]"],
    ['clipnorm = 1.0', "net.dl:9:3: error: unknown train setting 'clipnorm'; write clip = norm(c) (Keras clipnorm)"],
    ['global_clipnorm = 1.0', "net.dl:9:3: error: unknown train setting 'global_clipnorm'; write clip = global_norm(c) (Keras global_clipnorm)"],
    ['batch_size = 8', "net.dl:9:3: error: unknown train setting 'batch_size'; did you mean 'batch'?"],
  ])('%s', (setting, message) => {
    expect(settingError(setting)).toBe(message);
  });
});
