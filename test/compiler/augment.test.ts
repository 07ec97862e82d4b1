// Augmentation layers in the compiler: their ops are in the train step only (eval, forward and
// exports see the identity), each layer draws from its own stream, and bad arguments are named at
// their place in the file.
import { describe, expect, it } from 'vitest';
import { compiles, errors } from '../helpers/compile-source.ts';

const net = (layers: string) => `model m {
  input image: f32[1, 9, 7]
  input v: f32[12]
  input y: class[3]
${layers}
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(); batch = 3 }`;

const ALL = '  logits = image -> random_flip() -> random_translation(0.1, [-0.2, 0.3]) -> random_rotation(0.05) -> random_zoom([-0.2, 0.1], 0.3, fill_value: 0.5) -> random_zoom(0.2) -> cutout([3, 2]) -> gaussian_noise(0.2) -> flatten -> dense(3)';
const AUGMENT_OPS = ['random_flip', 'random_translation', 'random_rotation', 'random_zoom', 'random_zoom', 'cutout', 'gaussian_noise'];

describe('augmentation layers', () => {
  it('are ops of the train step only, each with its own salt; eval and forward read the input unchanged', () => {
    const r = compiles(net(ALL));
    const g = r.snapshots!.programs!;
    const opsOf = (program: 'train_step' | 'eval' | 'forward') => g.programs[program]!.nodes.map((id) => g.nodes.find((n) => n.id === id)!);
    const train = opsOf('train_step').filter((n) => AUGMENT_OPS.includes(n.op));
    expect(train.map((n) => n.op)).toEqual(AUGMENT_OPS);
    expect(new Set(train.map((n) => n.attrs.salt)).size).toBe(7);
    // Keras' factor forms: f means [−f, f]; a pair is [lo, hi].
    expect(train[1]!.attrs).toMatchObject({ height: [-0.1, 0.1], width: [-0.2, 0.3], fill: 0 });
    expect(train[0]!.attrs).toMatchObject({ horizontal: true, vertical: true });
    expect(train[2]!.attrs).toMatchObject({ factor: [-0.05, 0.05], fill: 0 });
    expect(train[3]!.attrs).toMatchObject({ height: [-0.2, 0.1], width: [-0.3, 0.3], fill: 0.5 });
    // No width_factor: the width zooms by the height's draw (Keras' width_factor=None).
    expect(train[4]!.attrs).toMatchObject({ height: [-0.2, 0.2], width: [], fill: 0 });
    expect(train[5]!.attrs).toMatchObject({ size: [3, 2] });
    for (const p of ['eval', 'forward'] as const) expect(opsOf(p).filter((n) => AUGMENT_OPS.includes(n.op))).toEqual([]);
  });

  it('after a trainable layer, a rotation and a zoom pass their gradient back through their transposes (same draws, fill 0)', () => {
    const g = compiles(net('  logits = image -> conv2d(2, kernel: 3) -> random_rotation(0.1, fill_value: 0.5) -> random_zoom(0.2) -> flatten -> dense(3)')).snapshots!.programs!;
    const train = g.programs.train_step!.nodes.map((id) => g.nodes.find((n) => n.id === id)!);
    for (const op of ['random_rotation', 'random_zoom']) {
      const [forward, adjoint, ...rest] = train.filter((n) => n.op === op);
      expect(rest).toEqual([]);
      expect(forward!.attrs.adjoint).toBeUndefined();
      expect(adjoint!.attrs).toEqual({ ...forward!.attrs, fill: 0, adjoint: true });
    }
  });

  it('random_flip modes name the axes flipped', () => {
    const attrs = (mode: string) => compiles(net(`  logits = image -> random_flip(mode: ${mode}) -> flatten -> dense(3)`)).snapshots!.programs!.nodes.find((n) => n.op === 'random_flip')!.attrs;
    expect(attrs('horizontal')).toMatchObject({ horizontal: true, vertical: false });
    expect(attrs('vertical')).toMatchObject({ horizontal: false, vertical: true });
    expect(attrs('horizontal_and_vertical')).toMatchObject({ horizontal: true, vertical: true });
  });

  it('bad arguments and inputs are refused at their place', () => {
    const e = (layer: string) => errors(net(`  logits = ${layer} -> dense(3)`)).split('\n')[0];
    expect(e('image -> random_flip(mode: diagonal) -> flatten'))
      .toBe("net.dl:5:39: error: argument 'mode' of random_flip: unknown value 'diagonal' (one of horizontal, vertical, horizontal_and_vertical)");
    expect(e('image -> random_translation(1.5, 0.1) -> flatten'))
      .toBe("net.dl:5:40: error: argument 'height_factor' of random_translation: expected a number in [-1, 1] or a list of two, got the number 1.5");
    expect(e('image -> random_translation(0.1, [0.1, 0.2, 0.3]) -> flatten'))
      .toBe("net.dl:5:45: error: argument 'width_factor' of random_translation: expected a number in [-1, 1] or a list of two, got a list");
    expect(e('image -> random_translation(0.1) -> flatten')).toBe("net.dl:5:21: error: random_translation needs argument 'width_factor'");
    expect(e('image -> random_translation(0.1, 0.1, fill_mode: reflect) -> flatten'))
      .toBe("net.dl:5:21: error: random_translation_1: fill_mode 'reflect' is not offered yet: random_translation fills with the constant fill_value (0 unless given); write fill_mode: constant (Keras' default is reflect)");
    expect(e('image -> random_translation(0.1, 0.1, interpolation: nearest) -> flatten'))
      .toBe("net.dl:5:21: error: random_translation_1: random_translation interpolates bilinearly only; interpolation 'nearest' is not offered yet");
    expect(e('image -> random_rotation(2) -> flatten'))
      .toBe("net.dl:5:37: error: argument 'factor' of random_rotation: expected a number in [-1, 1] or a list of two, got the integer 2");
    expect(e('image -> random_rotation(0.1, fill_mode: wrap) -> flatten'))
      .toBe("net.dl:5:21: error: random_rotation_1: fill_mode 'wrap' is not offered yet: random_rotation fills with the constant fill_value (0 unless given); write fill_mode: constant (Keras' default is reflect)");
    expect(e('image -> random_zoom([-1, 0.2]) -> flatten'))
      .toBe('net.dl:5:21: error: random_zoom_1: random_zoom factors must stay above -1 (a zoom of 1 + (-1) = 0 maps the whole image to its centre), got [-1,0.2]');
    expect(e('image -> random_zoom(0.2, -1) -> flatten'))
      .toBe('net.dl:5:21: error: random_zoom_1: random_zoom factors must stay above -1 (a zoom of 1 + (-1) = 0 maps the whole image to its centre), got [-0.2,0.2] and [-1,1]');
    expect(e('image -> random_zoom(0.2, interpolation: nearest) -> flatten'))
      .toBe("net.dl:5:21: error: random_zoom_1: random_zoom interpolates bilinearly only; interpolation 'nearest' is not offered yet");
    expect(e('v -> random_zoom(0.1)'))
      .toBe('net.dl:5:17: error: random_zoom_1: random_zoom needs an input of shape [batch, channels, height, width], got [batch, 12]; declare the input as e.g. f32[1, 28, 28] or reshape it');
    expect(e('image -> cutout(10) -> flatten')).toBe('net.dl:5:21: error: cutout_1: cutout size 10×10 is larger than the 9×7 image');
    expect(e('image -> cutout(0) -> flatten')).toBe("net.dl:5:28: error: argument 'size' of cutout: expected a positive integer or a list of two, got the integer 0");
    expect(e('image -> gaussian_noise(-0.1) -> flatten')).toBe("net.dl:5:36: error: argument 'stddev' of gaussian_noise: expected a positive number, got the number -0.1");
    expect(e('v -> random_flip'))
      .toBe('net.dl:5:17: error: random_flip_1: random_flip needs an input of shape [batch, channels, height, width], got [batch, 12]; declare the input as e.g. f32[1, 28, 28] or reshape it');
  });

  it("Keras' other names point to dlc's (TF's random_shift function takes width first and fills by nearest: no alias)", () => {
    const e = (layer: string) => errors(net(`  logits = image -> ${layer} -> flatten -> dense(3)`)).split('\n')[0];
    expect(e('random_shift(0.1, 0.1)'))
      .toBe("net.dl:5:21: error: unknown layer 'random_shift': dlc names it random_translation (Keras RandomTranslation), e.g. random_translation(0.1, 0.1)");
  });
});
