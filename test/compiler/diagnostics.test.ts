// Semantic diagnostics pinned as the user sees them: the full formatted text, source line and caret
// included. Each message must say what is wrong and where; a changed wording should be a deliberate one.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { LAYERS } from '../../compiler/lower/registry.ts';
import { OPTIMIZERS } from '../../compiler/lower/train.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import { validateManifest } from '../../runtime/manifest-check.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

describe('unknown names', () => {
  it("an unknown layer suggests the closest one ('dens' -> dense)", () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dens(10)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: unknown layer 'dens'; did you mean 'dense'?
 3 |   y = x -> dens(10)
   |            ^^^^`);
  });

  it('an unknown layer with no close match gets no suggestion', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> frobnicate(10)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: unknown layer 'frobnicate'
 3 |   y = x -> frobnicate(10)
   |            ^^^^^^^^^^`);
  });

  it('an undefined name suggests a defined one', () => {
    const src = `model m {
  input x: f32[4]
  hidden = x -> dense(4)
  y = hiden -> relu
  output y
}`;
    expect(errors(src)).toBe(`net.dl:4:7: error: undefined name 'hiden'; did you mean 'hidden'?
 4 |   y = hiden -> relu
   |       ^^^^^`);
  });

  it('an undefined output name suggests a defined one', () => {
    const src = `model m {
  input image: f32[4]
  logits = image -> dense(2)
  output logit
}`;
    expect(errors(src)).toBe(`net.dl:4:10: error: undefined name 'logit'; did you mean 'logits'?
 4 |   output logit
   |          ^^^^^`);
  });

  it('an unknown hyper-parameter of a layer suggests the right one', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(10, activaton: relu)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:22: error: unknown argument 'activaton' for dense; did you mean 'activation'?
 3 |   y = x -> dense(10, activaton: relu)
   |                      ^^^^^^^^^`);
  });

  it('an unknown hyper-parameter with no close match lists the accepted ones', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(10, bias: false)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:22: error: unknown argument 'bias' for dense (accepted: units, activation, use_bias, init, bias_init, kernel_regularizer, bias_regularizer)
 3 |   y = x -> dense(10, bias: false)
   |                      ^^^^`);
  });

  it('an unknown activation value suggests one and lists them all', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(10, activation: sigmod)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:34: error: argument 'activation' of dense: unknown value 'sigmod'; did you mean 'sigmoid'? (one of linear, relu, sigmoid, tanh, gelu, silu, swish, elu, selu, softplus, relu6, leaky_relu, softmax, log_softmax)
 3 |   y = x -> dense(10, activation: sigmod)
   |                                  ^^^^^^`);
  });

  it('an unknown optimizer hyper-parameter suggests the right one', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = adam(lrate: 1e-3)
}`;
    expect(errors(src)).toBe(`net.dl:9:20: error: unknown hyper-parameter 'lrate' for adam; did you mean 'lr'?
 9 |   optimizer = adam(lrate: 1e-3)
   |                    ^^^^^`);
  });

  it("the Keras spelling 'learning_rate' suggests 'lr'", () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = sgd(learning_rate: 0.1)
}`;
    expect(errors(src)).toBe(`net.dl:9:19: error: unknown hyper-parameter 'learning_rate' for sgd; did you mean 'lr'?
 9 |   optimizer = sgd(learning_rate: 0.1)
   |                   ^^^^^^^^^^^^^`);
  });

  it('an unknown optimizer lists the supported ones', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = lbfgs(lr: 1e-3)
}`;
    expect(errors(src)).toBe(`net.dl:9:15: error: unknown optimizer 'lbfgs' (supported: sgd, momentum, adagrad, rmsprop, adam, adamw, nadam, adamax, adadelta)
 9 |   optimizer = lbfgs(lr: 1e-3)
   |               ^^^^^`);
  });

  it('an unknown train setting suggests the right one', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  epoch = 3
}`;
    expect(errors(src)).toBe(`net.dl:9:3: error: unknown train setting 'epoch'; did you mean 'epochs'?
 9 |   epoch = 3
   |   ^^^^^`);
  });

  it('a number beyond f32 (1e400 parses as infinity) is refused at the argument', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> leaky_relu(alpha: 1e400)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:30: error: argument 'alpha' of leaky_relu: the number is beyond the range of f32 numbers (±3.4e38)
 3 |   y = x -> leaky_relu(alpha: 1e400)
   |                              ^^^^^`);
  });

  it('a factor beyond f32 in arithmetic is refused at the number (found by the fuzzer)', () => {
    const src = `model m {
  input x: f32[4]
  y = 1e400 * x
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:7: error: the left operand of '*': the number is beyond the range of f32 numbers (±3.4e38)
 3 |   y = 1e400 * x
   |       ^^^^^`);
  });

  it('a layer whose weights would exceed 2^28 values is refused at the layer (found by the fuzzer)', () => {
    const src = `model m {
  input x: f32[100000]
  y = x -> dense(100000)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: dense_1: a tensor of shape [100000, 100000] holds 10000000000 values, more than dlc supports (268435456, 1 GiB of f32) (input [batch, 100000])
 3 |   y = x -> dense(100000)
   |            ^^^^^^^^^^^^^`);
  });

  it('an unknown metric suggests the right one', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  metrics = [acuracy]
}`;
    expect(errors(src)).toBe(`net.dl:9:14: error: unknown metric 'acuracy'; did you mean 'accuracy'? (supported: accuracy, loss, precision, recall, f1, confusion_matrix, mae, rmse)
 9 |   metrics = [acuracy]
   |              ^^^^^^^`);
  });

  it('an unknown metric with no close match lists the supported ones', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  metrics = [accuracy, auc_roc]
}`;
    expect(errors(src)).toBe(`net.dl:9:24: error: unknown metric 'auc_roc' (supported: accuracy, loss, precision, recall, f1, confusion_matrix, mae, rmse)
 9 |   metrics = [accuracy, auc_roc]
   |                        ^^^^^^^`);
  });

  it('a train section naming an unknown model is the only error', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train n {
  loss = cross_entropy(logits, label)
}`;
    expect(errors(src)).toBe(`net.dl:7:7: error: train section names unknown model 'n'; did you mean 'm'?
 7 | train n {
   |       ^`);
  });

  it("Object.prototype names such as 'constructor' are unknown, not a crash", () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> constructor
  output logits
}
train m {
  loss = constructor(logits, label)
  optimizer = toString(lr: 1)
}`;
    expect(errors(src)).toBe(`net.dl:4:17: error: unknown layer 'constructor'
 4 |   logits = x -> constructor
   |                 ^^^^^^^^^^^
net.dl:8:10: error: unknown loss 'constructor'
 8 |   loss = constructor(logits, label)
   |          ^^^^^^^^^^^
net.dl:9:15: error: unknown optimizer 'toString' (supported: sgd, momentum, adagrad, rmsprop, adam, adamw, nadam, adamax, adadelta)
 9 |   optimizer = toString(lr: 1)
   |               ^^^^^^^^`);
  });
});

describe('shapes and types', () => {
  it("'+' on tensors of different shapes names both shapes", () => {
    const src = `model m {
  input a: f32[4]
  input b: f32[3]
  y = a + b
  output y
}`;
    expect(errors(src)).toBe(`net.dl:4:7: error: cannot add tensors of shapes [batch, 4] and [batch, 3]: the shapes do not broadcast
 4 |   y = a + b
   |       ^^^^^`);
  });

  it('dense applied to class labels', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[10]
  y = label -> dense(10)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:4:16: error: dense needs a float tensor, got class labels 'label'
 4 |   y = label -> dense(10)
   |                ^^^^^^^^^`);
  });

  it('reshape to a different number of values names the layer and both counts', () => {
    const src = `model m {
  input x: f32[12]
  y = x -> reshape([5, 2])
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: reshape_1: cannot reshape per-sample shape [12] (12 values) to [5, 2] (10 values)
 3 |   y = x -> reshape([5, 2])
   |            ^^^^^^^^^^^^^^^`);
  });

  it('cross_entropy with a prediction width other than the class count', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[10]
  logits = x -> dense(5)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
}`;
    expect(errors(src)).toBe(`net.dl:8:10: error: cross_entropy: prediction 'logits' has shape [batch, 5] but 'label' has 10 classes; expected [batch, 10]
 8 |   loss = cross_entropy(logits, label)
   |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^`);
  });

  it('cross_entropy with its arguments swapped', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(label, logits)
}`;
    expect(errors(src)).toBe(`net.dl:8:10: error: cross_entropy takes (prediction, target), but 'label' holds class labels; write cross_entropy(logits, label)
 8 |   loss = cross_entropy(label, logits)
   |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^`);
  });

  it('mse with a target of another shape', () => {
    const src = `model m {
  input x: f32[4]
  input target: f32[2]
  prediction = x -> dense(3)
  output prediction
}
train m {
  loss = mse(prediction, target)
}`;
    expect(errors(src)).toBe(`net.dl:8:10: error: mse: prediction 'prediction' has shape [batch, 3] but target 'target' has shape [batch, 2]
 8 |   loss = mse(prediction, target)
   |          ^^^^^^^^^^^^^^^^^^^^^^^`);
  });

  it('binary_cross_entropy on a prediction that is not a sigmoid', () => {
    const src = `model m {
  input x: f32[4]
  input target: f32[1]
  p = x -> dense(1)
  output p
}
train m {
  loss = binary_cross_entropy(p, target)
}`;
    expect(errors(src)).toBe(`net.dl:8:31: error: binary_cross_entropy needs a prediction made by sigmoid, or from_logits: true
 8 |   loss = binary_cross_entropy(p, target)
   |                               ^`);
  });

  it('a tensor used as a layer', () => {
    const src = `model m {
  input x: f32[4]
  h = x -> dense(4)
  y = x -> h
  output y
}`;
    expect(errors(src)).toBe(`net.dl:4:12: error: 'h' is a tensor, not a layer
 4 |   y = x -> h
   |            ^`);
  });
});

describe('literals', () => {
  it('dense(2.5): units must be a positive integer', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(2.5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:18: error: argument 'units' of dense: expected a positive integer, got the number 2.5
 3 |   y = x -> dense(2.5)
   |                  ^^^`);
  });

  it('dropout(1.5): the rate must lie in [0, 1)', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dropout(1.5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:20: error: argument 'rate' of dropout: expected a number in [0, 1), got the number 1.5
 3 |   y = x -> dropout(1.5)
   |                    ^^^`);
  });

  it('batch = "big": the batch must be a positive integer', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  batch = "big"
}`;
    expect(errors(src)).toBe(`net.dl:9:11: error: train setting 'batch': expected a positive integer, got the string "big"
 9 |   batch = "big"
   |           ^^^^^`);
  });

  it('an unknown input type suggests f32, and uses of the input stay quiet', () => {
    const src = `model m {
  input x: f33[3]
  y = x -> dense(2)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:2:12: error: unknown input type 'f33'; did you mean 'f32'? (f32[dims] for values, class[n] for class labels, tokens[vocab, length] for token ids)
 2 |   input x: f33[3]
   |            ^^^`);
  });

  it('from_logits must be true or false', () => {
    const src = `model m {
  input x: f32[4]
  input target: f32[1]
  p = x -> dense(1)
  output p
}
train m {
  loss = binary_cross_entropy(p, target, from_logits: 1)
}`;
    expect(errors(src)).toBe(`net.dl:8:55: error: argument 'from_logits' of binary_cross_entropy: expected true or false, got the integer 1
 8 |   loss = binary_cross_entropy(p, target, from_logits: 1)
   |                                                       ^`);
  });

  it('a layer name used as a value', () => {
    const src = `model m {
  input x: f32[4]
  y = relu
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:7: error: 'relu' is a layer; apply it to an input, e.g. x -> relu or relu(x)
 3 |   y = relu
   |       ^^^^`);
  });

  it('a constant named as an output', () => {
    const src = `model m {
  input x: f32[4]
  width = 3
  output width
}`;
    expect(errors(src)).toBe(`net.dl:4:10: error: expected output 'width' to be a tensor, got the integer 3
 4 |   output width
   |          ^^^^^`);
  });
});

describe('arity and required arguments', () => {
  it('dense() in a chain needs its units', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense()
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: dense needs argument 'units'
 3 |   y = x -> dense()
   |            ^^^^^^^`);
  });

  it('too many positional arguments to dense', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(10, relu, true, auto, zeros, l2(0.1), l1(0.1), 5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:65: error: dense takes 1 input and at most 7 arguments (units, activation, use_bias, init, bias_init, kernel_regularizer, bias_regularizer); this is one too many
 3 |   y = x -> dense(10, relu, true, auto, zeros, l2(0.1), l1(0.1), 5)
   |                                                                 ^`);
  });

  it('an argument to a layer that takes none', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(3) -> relu(2)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:29: error: relu takes 1 input and no arguments; this is one too many
 3 |   y = x -> dense(3) -> relu(2)
   |                             ^`);
  });

  it('a block called with too many arguments', () => {
    const src = `block twice(x, width) {
  h = x -> dense(width) -> dense(width)
  return h
}
model m {
  input x: f32[4]
  y = twice(x, 4, 5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:7:7: error: block twice takes 2 arguments (x, width), got 3
 7 |   y = twice(x, 4, 5)
   |       ^^^^^^^^^^^^^^`);
  });

  it("a block in a chain with too many arguments counts the chain's input", () => {
    const src = `block twice(x, width) {
  h = x -> dense(width) -> dense(width)
  return h
}
model m {
  input x: f32[4]
  y = x -> twice(4, 5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:7:12: error: block twice takes 2 arguments (x, width), got 3, counting the chain's input as the first
 7 |   y = x -> twice(4, 5)
   |            ^^^^^^^^^^^`);
  });

  it('add in a chain without its second input', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> add
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: add needs 2 input tensors, got 1: write add(a, b), or a -> add(b) in a chain
 3 |   y = x -> add
   |            ^^^`);
  });

  it('an optimizer with too many positional arguments', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = sgd(0.1, 0.9, true, 0, 4)
}`;
    expect(errors(src)).toBe(`net.dl:9:38: error: sgd takes at most 4 arguments (lr, momentum, nesterov, weight_decay)
 9 |   optimizer = sgd(0.1, 0.9, true, 0, 4)
   |                                      ^`);
  });
});

describe('duplicates', () => {
  it('a name assigned twice', () => {
    const src = `model m {
  input x: f32[4]
  h = x -> dense(4)
  h = h -> relu
  output h
}`;
    expect(errors(src)).toBe(`net.dl:4:3: error: 'h' is already defined (line 3); names are assigned once
 4 |   h = h -> relu
   |   ^`);
  });

  it('a train setting given twice', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  batch = 32
  batch = 64
}`;
    expect(errors(src)).toBe(`net.dl:10:3: error: train setting 'batch' is already set (line 9)
 10 |   batch = 64
    |   ^^^^^`);
  });

  it('a second train section for a model points at the second, with a note naming the first', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
}
train m {
  loss = cross_entropy(logits, label)
  batch = 8
}`;
    expect(errors(src)).toBe(`net.dl:10:7: error: second train section for model 'm'; a model has one
 10 | train m {
    |       ^
  note: the first train section for 'm' is at line 7`);
  });
});

describe('train settings the runtime could not run', () => {
  /** A valid program whose train section ends with `setting`. */
  const withSetting = (setting: string): string => `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  ${setting}
}`;

  it('seed = -1: seeds are unsigned 32-bit integers', () => {
    expect(errors(withSetting('seed = -1'))).toBe(`net.dl:9:10: error: train setting 'seed': expected an integer from 0 to 4,294,967,295, got the integer -1
 9 |   seed = -1
   |          ^^`);
  });

  it('seed = 1e20: beyond 32 bits', () => {
    expect(errors(withSetting('seed = 1e20'))).toBe(`net.dl:9:10: error: train setting 'seed': expected an integer from 0 to 4,294,967,295, got the number 100000000000000000000
 9 |   seed = 1e20
   |          ^^^^`);
  });

  it('batch = 0: a batch holds at least one sample', () => {
    expect(errors(withSetting('batch = 0'))).toBe(`net.dl:9:11: error: train setting 'batch': expected a positive integer, got the integer 0
 9 |   batch = 0
   |           ^`);
  });

  it('batch = 16777217: beyond the runtime limit of 2^24', () => {
    expect(errors(withSetting('batch = 16777217'))).toBe(`net.dl:9:11: error: train setting 'batch': expected an integer from 1 to 16,777,216, got the integer 16777217
 9 |   batch = 16777217
   |           ^^^^^^^^`);
  });

  it('epochs = 1e20: beyond the integers a manifest holds exactly', () => {
    expect(errors(withSetting('epochs = 1e20'))).toBe(`net.dl:9:12: error: train setting 'epochs': expected an integer from 1 to 9,007,199,254,740,991, got the number 100000000000000000000
 9 |   epochs = 1e20
   |            ^^^^`);
  });

  it('a batch size given to compile() beyond the limit is refused at the model', () => {
    const src = withSetting('batch = 8');
    const r = compile(src, { file: 'net.dl', batch: 2 ** 24 + 1 });
    expect(formatDiagnostics(r.diagnostics, src)).toBe(`net.dl:1:7: error: the batch size given for model 'm' must be an integer from 1 to 16,777,216, got 16777217
 1 | model m {
   |       ^`);
  });

  it('the largest settings that compile give a manifest the runtime accepts', () => {
    const src = withSetting(`seed = 4294967295
  epochs = 9007199254740991
  batch = 16777216`).replace('x -> dense(3)', 'x -> layernorm').replace('class[3]', 'class[4]');
    const m = compiles(src).artifact!.manifest;
    expect(m.train).toMatchObject({ seed: 2 ** 32 - 1, epochs: Number.MAX_SAFE_INTEGER });
    expect(m.batch).toBe(2 ** 24);
    expect(() => validateManifest(JSON.parse(JSON.stringify(m)))).not.toThrow();
  });

  it('a kernel whose grid would be wider than devices dispatch is refused at its layer', () => {
    // The runtime refuses a manifest with more than 65,535 workgroups along an axis; the matmul of
    // dense has one row of workgroups per 64 samples.
    expect(errors(withSetting('batch = 16777216'))).toBe(`net.dl:4:17: error: kernel 'matmul+add:dense_1' needs 262,144 workgroups along one axis, more than devices allow (65,535); a smaller batch or layer fits
 4 |   logits = x -> dense(3)
   |                 ^^^^^^^^`);
  });
});

describe('blocks', () => {
  it('a block that calls itself', () => {
    const src = `block loop(x) {
  return loop(x)
}
model m {
  input x: f32[4]
  y = loop(x)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:2:10: error: block 'loop' calls itself; blocks cannot be recursive
 2 |   return loop(x)
   |          ^^^^^^^
  note: in block 'loop' called at line 6`);
  });

  it('blocks that call each other name the cycle', () => {
    const src = `block a(x) {
  return x -> b
}
block b(x) {
  return x -> a
}
model m {
  input x: f32[4]
  y = a(x)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:5:15: error: block 'a' calls itself through a -> b -> a; blocks cannot be recursive
 5 |   return x -> a
   |               ^
  note: in block 'b' called at line 2
  note: in block 'a' called at line 9`);
  });

  it('an error inside a block says which call hit it', () => {
    const src = `block residual(x, width) {
  h = x -> dense(width)
  return relu(x + h)
}
model m {
  input x: f32[4]
  r1 = x -> residual(4)
  r2 = r1 -> residual(8)
  output r2
}`;
    expect(errors(src)).toBe(`net.dl:3:15: error: cannot add tensors of shapes [batch, 4] and [batch, 8]: the shapes do not broadcast
 3 |   return relu(x + h)
   |               ^^^^^
  note: in block 'residual' called at line 8`);
  });

  /** `depth` blocks, each calling the one before it from its result; the model calls the last. */
  function nestedBlocks(depth: number, wrap = (call: string) => call): string {
    const blocks = ['block b0(x) {\n  return x -> relu\n}'];
    for (let i = 1; i < depth; i++) blocks.push(`block b${i}(x) {\n  return ${wrap(`x -> b${i - 1}`)}\n}`);
    return `${blocks.join('\n')}\nmodel m {\n  input x: f32[4]\n  h = x -> b${depth - 1}\n  output h\n}\n`;
  }

  it('256 nested block calls compile', () => {
    compiles(nestedBlocks(256));
  });

  it('2,000 nested block calls: a diagnostic naming the depth limit, with the call stack summarised', () => {
    expect(errors(nestedBlocks(2000))).toBe(`net.dl:5234:15: error: block calls nest deeper than 256 levels: this call of 'b1743' is level 257
 5234 |   return x -> b1743
      |               ^^^^^
  note: in block 'b1744' called at line 5237
  note: in block 'b1745' called at line 5240
  note: in block 'b1746' called at line 5243
  note: in block 'b1747' called at line 5246
  note: in block 'b1748' called at line 5249
  note: ... 250 more block calls ...
  note: in block 'b1999' called at line 6003`);
  });

  it('expressions nested through block calls past 512 levels: one diagnostic, not a stack overflow', () => {
    // 20 levels per block (19 additions around the call), 250 blocks: 5,000 levels overflowed the stack.
    const src = nestedBlocks(250, (call) => `(${call})${' + x'.repeat(19)}`);
    expect(errors(src)).toBe(`net.dl:674:10: error: expressions nest deeper than 512 levels, counting those in the blocks they call
 674 |   return (x -> b223) + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x
     |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  note: in block 'b224' called at line 677
  note: in block 'b225' called at line 680
  note: in block 'b226' called at line 683
  note: in block 'b227' called at line 686
  note: in block 'b228' called at line 689
  note: ... 20 more block calls ...
  note: in block 'b249' called at line 753`);
  });

  it('an error in a block used twice is reported once', () => {
    const src = `block residual(x, width) {
  h = x -> dens(width)
  return relu(x + h)
}
model m {
  input x: f32[4]
  r1 = x -> residual(4)
  r2 = x -> residual(4)
  output r1, r2
}`;
    expect(errors(src)).toBe(`net.dl:2:12: error: unknown layer 'dens'; did you mean 'dense'?
 2 |   h = x -> dens(width)
   |            ^^^^
  note: in block 'residual' called at line 7`);
  });
});

describe('program structure', () => {
  it('a model with no output', () => {
    const src = `model m {
  input x: f32[4]
  y = x -> dense(4)
}`;
    expect(errors(src)).toBe(`net.dl:1:7: error: model 'm' has no output; add a line such as 'output logits'
 1 | model m {
   |       ^`);
  });

  it('two independent errors in a model are both reported', () => {
    const src = `model m {
  input x: f32[4]
  a = x -> dens(4)
  b = x -> dropout(1.5)
  output a, b
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: unknown layer 'dens'; did you mean 'dense'?
 3 |   a = x -> dens(4)
   |            ^^^^
net.dl:4:20: error: argument 'rate' of dropout: expected a number in [0, 1), got the number 1.5
 4 |   b = x -> dropout(1.5)
   |                    ^^^`);
  });

  it('errors in the model and the train section come in source order', () => {
    const src = `model m {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(3, activation: rlu)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = adam(lrate: 1e-3)
  epoch = 3
}`;
    expect(errors(src)).toBe(`net.dl:4:38: error: argument 'activation' of dense: unknown value 'rlu'; did you mean 'relu'? (one of linear, relu, sigmoid, tanh, gelu, silu, swish, elu, selu, softplus, relu6, leaky_relu, softmax, log_softmax)
 4 |   logits = x -> dense(3, activation: rlu)
   |                                      ^^^
net.dl:9:20: error: unknown hyper-parameter 'lrate' for adam; did you mean 'lr'?
 9 |   optimizer = adam(lrate: 1e-3)
   |                    ^^^^^
net.dl:10:3: error: unknown train setting 'epoch'; did you mean 'epochs'?
 10 |   epoch = 3
    |   ^^^^^`);
  });
});


describe('convolutions', () => {
  it('conv2d on a flat input says which rank it needs', () => {
    const src = `model m {
  input x: f32[784]
  y = x -> conv2d(8, kernel: 3)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: conv2d_1: conv2d needs an input of shape [batch, channels, height, width], got [batch, 784]; declare the input as e.g. f32[1, 28, 28] or reshape it
 3 |   y = x -> conv2d(8, kernel: 3)
   |            ^^^^^^^^^^^^^^^^^^^^`);
  });

  it('a kernel larger than the padded input', () => {
    const src = `model m {
  input x: f32[1, 4, 4]
  y = x -> conv2d(8, kernel: 5)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: conv2d_1: the 5×5 kernel is larger than the padded input 4×4
 3 |   y = x -> conv2d(8, kernel: 5)
   |            ^^^^^^^^^^^^^^^^^^^^`);
  });

  it('a dilated kernel larger than the input gives its dilated size', () => {
    const src = `model m {
  input x: f32[1, 6, 6]
  y = x -> conv2d(8, kernel: 3, dilation: 3)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: conv2d_1: the 3×3 kernel (dilated to 7×7) is larger than the padded input 6×6
 3 |   y = x -> conv2d(8, kernel: 3, dilation: 3)
   |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^`);
  });

  it('groups that do not divide the channels name both counts', () => {
    const src = `model m {
  input x: f32[3, 8, 8]
  y = x -> conv2d(8, kernel: 3, groups: 2)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: conv2d_1: groups 2 must divide the input channels (3) and the filters (8)
 3 |   y = x -> conv2d(8, kernel: 3, groups: 2)
   |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^`);
  });

  it('a skip connection across a channel change names both shapes', () => {
    const src = `model m {
  input x: f32[3, 8, 8]
  h = x -> conv2d(16, kernel: 3, padding: same)
  y = x + h
  output y
}`;
    expect(errors(src)).toBe(`net.dl:4:7: error: cannot add tensors of shapes [batch, 3, 8, 8] and [batch, 16, 8, 8]: the shapes do not broadcast
 4 |   y = x + h
   |       ^^^^^`);
  });

  it('a pooling window larger than the input', () => {
    const src = `model m {
  input x: f32[2, 3, 3]
  y = x -> maxpool(4)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:12: error: maxpool_1: maxpool2d window 4×4 is larger than the padded input 3×3 (input [batch, 2, 3, 3])
 3 |   y = x -> maxpool(4)
   |            ^^^^^^^^^^`);
  });

  it('concat of feature maps with different sizes', () => {
    const src = `model m {
  input x: f32[3, 8, 8]
  a = x -> conv2d(4, kernel: 3)
  b = x -> conv2d(4, kernel: 3, padding: same)
  y = concat(a, b)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:5:7: error: concat_1: concat along axis 1 needs equal other dimensions, got [batch, 4, 6, 6] and [batch, 4, 8, 8]
 5 |   y = concat(a, b)
   |       ^^^^^^^^^^^^`);
  });

  it('an unknown padding mode lists the accepted forms', () => {
    const src = `model m {
  input x: f32[3, 8, 8]
  y = x -> conv2d(4, kernel: 3, padding: full)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:42: error: argument 'padding' of conv2d: expected 'valid', 'same', an integer, or a list of 2 or 4 integers, got 'full'
 3 |   y = x -> conv2d(4, kernel: 3, padding: full)
   |                                          ^^^^`);
  });

  it('a zero stride', () => {
    const src = `model m {
  input x: f32[3, 8, 8]
  y = x -> conv2d(4, kernel: 3, stride: 0)
  output y
}`;
    expect(errors(src)).toBe(`net.dl:3:41: error: argument 'stride' of conv2d: expected a positive integer or a list of two, got the integer 0
 3 |   y = x -> conv2d(4, kernel: 3, stride: 0)
   |                                         ^`);
  });

  it('feature maps fed to the loss without flatten get a hint', () => {
    const src = `model m {
  input x: f32[1, 28, 28]
  input y: class[10]
  logits = x -> conv2d(4, kernel: 3) -> dense(10)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam() }`;
    expect(errors(src)).toBe(`net.dl:7:18: error: cross_entropy: prediction 'logits' has shape [batch, 4, 26, 10] but 'y' has 10 classes; expected [batch, 10] (flatten or global_avgpool the feature maps before the dense layer)
 7 | train m { loss = cross_entropy(logits, y); optimizer = adam() }
   |                  ^^^^^^^^^^^^^^^^^^^^^^^^`);
  });
});

describe('valid programs', () => {
  it('a residual block used twice compiles', () => {
    const r = compiles(`block residual(x, width, act: relu) {
  h = x -> dense(width) -> act -> dense(width)
  return relu(x + h)
}
model m {
  input image: f32[16]
  input label: class[4]
  r1 = image -> residual(16)
  r2 = residual(r1, width: 16, act: gelu)
  logits = r2 -> dense(4)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 1e-3)
  metrics = [accuracy]
}`);
    // Each call makes its own layers: four dense layers in the blocks, one for the logits.
    expect(r.summary!.filter((s) => s.type === 'dense').map((s) => s.name)).toEqual(['dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5']);
  });

  it('a model using every layer compiles', () => {
    const r = compiles(`model every {
  input image: f32[2, 6]
  input label: class[3]
  flat = image -> flatten
  a = flat -> dense(8) -> relu
  b = flat -> dense(8, use_bias: false, init: glorot_normal) -> sigmoid
  c = flat -> dense(8, activation: tanh) -> tanh
  d = flat -> dense(8) -> gelu
  e = flat -> dense(8) -> leaky_relu(alpha: 0.2) -> dropout(0.5)
  s = add(a, b) -> sub(c) -> mul(d)
  t = e -> reshape([2, 4]) -> flatten
  u = s + t - e * 0.5
  probs = u -> dense(3) -> softmax
  logp = u -> dense(3) -> log_softmax
  output probs, logp
}
train every {
  loss = cross_entropy(probs, label)
  optimizer = adam(lr: 1e-3)
  metrics = [accuracy]
  regularize = l1_l2(l1: 1e-5, l2: 1e-4)
}`);
    const used = new Set(r.summary!.map((s) => s.type));
    const layers = ['dense', 'relu', 'sigmoid', 'tanh', 'gelu', 'softmax', 'log_softmax', 'leaky_relu', 'dropout', 'flatten', 'reshape', 'add', 'sub', 'mul'];
    for (const layer of layers) {
      expect(Object.hasOwn(LAYERS, layer)).toBe(true);
      expect(used.has(layer)).toBe(true);
    }
  });

  it('every optimizer and every loss compiles', () => {
    const program = (target: string, head: string, loss: string, optimizer: string) => `model m {
  input x: f32[6]
  input ${target}
  h = x -> dense(8) -> relu
  ${head}
  output p
}
train m {
  loss = ${loss}
  optimizer = ${optimizer}
  batch = 16
}`;
    const optimizers: Record<string, string> = {
      sgd: 'sgd(lr: 0.1)',
      momentum: 'momentum(lr: 0.1, momentum: 0.8, nesterov: true)',
      adagrad: 'adagrad(lr: 0.01, initial: 0.1)',
      rmsprop: 'rmsprop(lr: 1e-3, rho: 0.95)',
      adam: 'adam(lr: 1e-3, beta1: 0.8, beta2: 0.99)',
      adamw: 'adamw(lr: 1e-3, weight_decay: 0.01)',
      nadam: 'nadam(lr: 2e-3, beta1: 0.85)',
      adamax: 'adamax(lr: 2e-3, weight_decay: 1e-4)',
      adadelta: 'adadelta(lr: 1.0, rho: 0.9)',
    };
    expect(Object.keys(optimizers).sort()).toEqual(Object.keys(OPTIMIZERS).sort());
    for (const [kind, opt] of Object.entries(optimizers)) {
      const r = compiles(program('label: class[3]', 'p = h -> dense(3)', 'cross_entropy(p, label)', opt));
      expect(r.artifact!.manifest.train.optimizer.kind).toBe(kind);
    }
    const losses = [
      { kind: 'cross_entropy', src: program('label: class[3]', 'p = h -> dense(3) -> softmax', 'cross_entropy(p, label)', 'sgd') },
      { kind: 'mse', src: program('t: f32[2]', 'p = h -> dense(2)', 'mse(p, t)', 'rmsprop') },
      { kind: 'binary_cross_entropy', src: program('t: f32[1]', 'p = h -> dense(1) -> sigmoid', 'binary_cross_entropy(p, t)', 'adagrad') },
      { kind: 'binary_cross_entropy', src: program('t: f32[1]', 'p = h -> dense(1)', 'binary_cross_entropy(p, t, from_logits: true)', 'adamw') },
    ];
    for (const { kind, src } of losses) expect(compiles(src).artifact!.manifest.train.loss).toBe(kind);
  });
});
