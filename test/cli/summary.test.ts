// `dlc check`'s summary in Keras' model.summary() form: connections (adds and scalings, so skips
// show), activations, the program's names, trainable and non-trainable totals, the whole train section.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../cli/summary.ts';
import { formatTable, wrapCell } from '../../cli/table.ts';
import { compile } from '../../compiler/compile.ts';

/** The summary as `dlc check` prints it: the layers unfused, the costs of the fused step. */
const summary = (source: string, width = Infinity): string => formatSummary(compile(source, { fuse: false }), compile(source), width);
const sample = (name: string, width = Infinity): string => summary(readFileSync(`samples/${name}.dl`, 'utf8'), width);
const rowOf = (text: string, layer: string): string[] => text.split('\n').find((l) => l.startsWith(`${layer} `))!.split(/ {2,}/);

const SCALED = `model scaled {
  input x: f32[4]
  input y: class[3]
  h = x -> dense(8, activation: tanh)
  s = 0.5 * h
  z = h - s
  logits = z -> dense(3)
  output logits
}
train scaled {
  loss = cross_entropy(logits, y)
  optimizer = sgd(momentum: 0.9, nesterov: true)
  schedule = cosine(min: 1e-5, warmup: 1)
  clip = global_norm(1.0)
  regularize = l1_l2(l1: 1e-5, l2: 1e-4)
  early_stopping = early_stopping(patience: 3)
  batch = 16
  epochs = 5
  metrics = [accuracy, f1]
  seed = 3
}
`;

describe('dlc check summary', () => {
  it('the MNIST MLP: one row per input and layer, names, activations, connections, totals and the train section', () => {
    expect(sample('mnist_mlp')).toBe(`Model: "mnist_mlp"
────────────────────────────────────────────────────────────────────────────────
Layer (type)     Name    Output shape          Param #  Activation  Connected to
────────────────────────────────────────────────────────────────────────────────
image (input)            (batch, 784)                0
label (input)            (batch) class labels        0
dense_1 (dense)          (batch, 128)          100,480  linear      image
relu_1 (relu)    hidden  (batch, 128)                0              dense_1
dense_2 (dense)  logits  (batch, 10)             1,290  linear      relu_1
────────────────────────────────────────────────────────────────────────────────
Total params: 101,770 (407,080 bytes)
Trainable params: 101,770
Non-trainable params: 0
────────────────────────────────────────────────────────────────────────────────
Training:
  loss            cross_entropy(logits, label)
  optimizer       adam(lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: false)
  schedule        — (constant rate)
  clipping        —
  regularisation  —
  early stopping  —
  batch           128
  epochs          20
  metrics         accuracy
  seed            1
  shuffle         true
────────────────────────────────────────────────────────────────────────────────
Kernels: train_step 9 dispatches, eval 4, forward 2; GPU memory 2,167,324 bytes`);
  });

  it('shows operations written as arithmetic (a scale, a subtraction) with their inputs, and every train setting with all its arguments', () => {
    // eval runs 10 of its 15 kernels for the l1_l2 penalty, which its loss includes as Keras' does.
    expect(summary(SCALED)).toBe(`Model: "scaled"
─────────────────────────────────────────────────────────────────────────────────────────
Layer (type)          Name    Output shape          Param #  Activation  Connected to
─────────────────────────────────────────────────────────────────────────────────────────
x (input)                     (batch, 4)                  0
y (input)                     (batch) class labels        0
dense_1 (dense)       h       (batch, 8)                 40  tanh        x
scale_1 (scale ×0.5)  s       (batch, 8)                  0              dense_1
sub_1 (sub)           z       (batch, 8)                  0              dense_1, scale_1
dense_2 (dense)       logits  (batch, 3)                 27  linear      sub_1
─────────────────────────────────────────────────────────────────────────────────────────
Total params: 67 (268 bytes)
Trainable params: 67
Non-trainable params: 0
─────────────────────────────────────────────────────────────────────────────────────────
Training:
  loss            cross_entropy(logits, y)
  optimizer       sgd(lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 0)
  schedule        cosine(min: 0.00001, warmup: 1)
  clipping        global_norm(1)
  regularisation  l1_l2(l1: 0.00001, l2: 0.0001) on kernels
  early stopping  early_stopping(monitor: val_loss, patience: 3, min_delta: 0, restore_best: true)
  batch           16
  epochs          5
  metrics         accuracy, f1
  seed            3
  shuffle         true
─────────────────────────────────────────────────────────────────────────────────────────
Kernels: train_step 28 dispatches, eval 15, forward 3; GPU memory 4,968 bytes`);
  });

  it('a residual model shows each skip: the add is connected to the block input and the block body', () => {
    const text = sample('residual_mlp');
    expect(rowOf(text, 'add_1')).toEqual(['add_1 (add)', '(batch, 128)', '0', 'dense_1, dense_3']);
    expect(rowOf(text, 'add_2')).toEqual(['add_2 (add)', '(batch, 128)', '0', 'relu_2, dense_5']);
    expect(rowOf(text, 'dense_1')).toEqual(['dense_1 (dense)', 'stem', '(batch, 128)', '100,480', 'relu', 'image']);
    expect(rowOf(text, 'dense_3')).toEqual(['dense_3 (dense)', 'h (residual)', '(batch, 128)', '16,512', 'linear', 'relu_1']);
    expect(rowOf(text, 'relu_2')).toEqual(['relu_2 (relu)', 'r1', '(batch, 128)', '0', 'add_1']);
    expect(text).toContain('\n  optimizer       adamw(lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.0001, amsgrad: false)\n');
    expect(text).toContain('\n  regularisation  l2(0.00001) on kernels\n');
  });

  it('batch norm\'s running statistics count as non-trainable parameters', () => {
    const text = sample('resnet_mini');
    expect(rowOf(text, 'batchnorm_1')).toEqual(['batchnorm_1 (batchnorm)', '(batch, 16, 28, 28)', '64', 'conv2d_1']);
    expect(rowOf(text, 'add_2')).toEqual(['add_2 (add)', '(batch, 32, 14, 14)', '0', 'conv2d_4, batchnorm_5']);
    expect(text).toContain('\nTotal params: 24,618 (98,472 bytes)\nTrainable params: 24,394\nNon-trainable params: 224\n');
  });

  it('on an 80-column terminal the resnet fits: generated names without their repeated type, no all-linear column, skips and long values wrapped', () => {
    const text = sample('resnet_mini', 80);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toContain(`
────────────────────────────────────────────────────────────────────────────────
Layer (type)      Name           Output shape          Param #  Connected to
────────────────────────────────────────────────────────────────────────────────
image (input)                    (batch, 1, 28, 28)          0
label (input)                    (batch) class labels        0
conv2d_1                         (batch, 16, 28, 28)       160  image
batchnorm_1                      (batch, 16, 28, 28)        64  conv2d_1
relu_1            stem           (batch, 16, 28, 28)         0  batchnorm_1
`);
    expect(text).toContain(`
batchnorm_3       h (res_block)  (batch, 16, 28, 28)        64  conv2d_3
add_1                            (batch, 16, 28, 28)         0  relu_1,
                                                                batchnorm_3
relu_3                           (batch, 16, 28, 28)         0  add_1
`);
    expect(text).toContain('\ndense_1           logits         (batch, 10)               330  global_avgpool_1\n');
    expect(text).toContain('\n  optimizer       adam(lr: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-7,\n                  weight_decay: 0, amsgrad: false)\n');
    // Wide enough, nothing changes.
    expect(sample('resnet_mini', 120)).toBe(sample('resnet_mini'));
  });

  it('keeps an activation column where a layer has one, and a scale keeps its factor', () => {
    const text = sample('regression', 80);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toContain(`
Layer (type)      Name        Output shape  Param #  Activation  Connected to
────────────────────────────────────────────────────────────────────────────────
features (input)              (batch, 8)          0
target (input)                (batch, 3)          0
dense_1                       (batch, 32)       288              features
tanh_1            h1          (batch, 32)         0              dense_1
dense_2           h2          (batch, 32)     1,056  gelu        tanh_1
scale_1 ×0.5                  (batch, 32)         0              dense_2
`);
  });
});

describe('a table that fits a width', () => {
  it('wraps a cell after list commas, then between words, and cuts a word too long with …', () => {
    expect(wrapCell('relu_1, batchnorm_3', 12)).toEqual(['relu_1,', 'batchnorm_3']);
    expect(wrapCell('h (residual), stem', 11)).toEqual(['h', '(residual),', 'stem']);
    expect(wrapCell('global_avgpool_1', 8)).toEqual(['global_…']);
    expect(wrapCell('short', 8)).toEqual(['short']);
  });

  it('gives way in rank order: first whole pieces on more lines, then cut cells, never below a minimum', () => {
    const columns = [
      { header: 'A' },
      { header: 'Long', shrink: { mode: 'wrap' as const, min: 4, rank: 0 } },
      { header: 'Cut', shrink: { mode: 'ellipsis' as const, min: 5, rank: 1 } },
    ];
    const rows = [['a', 'one, two, three', 'abcdefghij']];
    expect(formatTable(columns, rows, Infinity)).toEqual({ header: ['A  Long             Cut'], rows: ['a  one, two, three  abcdefghij'], width: 30 });
    expect(formatTable(columns, rows, 23)).toEqual({ header: ['A  Long      Cut'], rows: ['a  one,      abcdefghij', '   two,', '   three'], width: 23 });
    expect(formatTable(columns, rows, 16)).toEqual({ header: ['A  Long  Cut'], rows: ['a  one,  abcdef…', '   two,', '   thr…'], width: 16 });
    expect(formatTable(columns, rows, 5)).toEqual({ header: ['A  Long  Cut'], rows: ['a  one,  abcd…', '   two,', '   thr…'], width: 14 });
  });
});

describe('dlc check summary of arithmetic with numbers', () => {
  it('names each bare operation with its number: shift, scale, neg, a number over a tensor, division', () => {
    const text = summary(`model m {
  input x: f32[4]
  input y: f32[4]
  a = x + 1
  b = 1 - a
  c = 2 / b
  d = c / 4 + x / y
  output d
}
train m { loss = mse(d, y); optimizer = sgd(lr: 0.1); batch = 2 }`);
    expect(['shift_1', 'neg_1', 'shift_2', 'rdiv_1', 'scale_1', 'div_1', 'add_1'].map((r) => rowOf(text, r).slice(0, 2))).toEqual([
      ['shift_1 (shift +1)', 'a'], ['neg_1 (neg)', '(batch, 4)'], ['shift_2 (shift +1)', 'b'], ['rdiv_1 (2 / x)', 'c'],
      ['scale_1 (scale ×0.25)', '(batch, 4)'], ['div_1 (div)', '(batch, 4)'], ['add_1 (add)', 'd'],
    ]);
  });
});
