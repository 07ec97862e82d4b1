// Channels-last inputs (Keras' default data_format): `input image: f32[H, W, C] layout: channels_last`
// takes NHWC data and transposes it into dlc's NCHW at the input, so a conv net fed NHWC data
// computes exactly what the same net declared channels-first computes on the transposed data.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import { Rng } from '../../runtime/random.ts';
import { compiles } from '../helpers/compile-source.ts';
import { nhwcAndNchw } from '../helpers/layouts.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const [B, H, W, C] = [3, 7, 5, 3];
const image = (decl: string) => `model net {
  ${decl}
  input label: class[4]
  x = image -> conv2d(4, kernel: 3, padding: same) -> relu -> maxpool(2) -> flatten
  logits = dense(x, 4)
  output logits
}
train net { loss = cross_entropy(logits, label); optimizer = adam(lr: 0.01); batch = ${B}; seed = 7 }`;

describe('layout: channels_last', () => {
  it('a conv net on NHWC data trains to exactly the losses of the NCHW net on the transposed data', () => {
    const last = compiles(image(`input image: f32[${H}, ${W}, ${C}] layout: channels_last`));
    const first = compiles(image(`input image: f32[${C}, ${H}, ${W}]`));
    expect(last.artifact!.manifest.inputs.find((i) => i.name === 'image')!.shape).toEqual([B, H, W, C]);
    const [a, b] = [new ReferenceRun(last), new ReferenceRun(first)];
    const rng = new Rng(3);
    for (let step = 0; step < 3; step++) {
      const { nhwc, nchw } = nhwcAndNchw(rng, [B, H, W, C]);
      const label = Int32Array.from({ length: B }, () => rng.int(4));
      expect(a.trainStep({ image: nhwc, label })).toBe(b.trainStep({ image: nchw, label }));
      expect(a.run('forward', { image: nhwc }).logits!.data).toEqual(b.run('forward', { image: nchw }).logits!.data);
    }
  });

  it('a sequence [length, channels] feeds conv1d as [channels, length]', () => {
    const seq = (decl: string) => `model s {
  ${decl}
  input y: f32[2]
  p = x -> conv1d(3, kernel: 3) -> flatten -> dense(2)
  output p
}
train s { loss = mse(p, y); optimizer = sgd(lr: 0.1); batch = 2; seed = 1 }`;
    const [a, b] = [new ReferenceRun(compiles(seq('input x: f32[9, 4] layout: channels_last'))), new ReferenceRun(compiles(seq('input x: f32[4, 9]')))];
    const rng = new Rng(5);
    const { nhwc, nchw } = nhwcAndNchw(rng, [2, 1, 9, 4]);
    const y = Float32Array.from({ length: 4 }, () => rng.normal());
    expect(a.trainStep({ x: nhwc, y })).toBe(b.trainStep({ x: nchw, y }));
  });

  it('mistakes: an unknown option or layout, a layout on a flat input', () => {
    const errors = (decl: string): string => {
      const src = image(decl);
      return formatDiagnostics(compile(src, { file: 'net.dl' }).diagnostics, src);
    };
    expect(errors('input image: f32[7, 5, 3] layout: channel_last')).toContain(
      "net.dl:2:37: error: unknown layout 'channel_last'; did you mean 'channels_last'? (channels_last: Keras' default NHWC; channels_first: dlc's own, the default)");
    expect(errors('input image: f32[7, 5, 3] data_format: channels_last')).toContain("net.dl:2:29: error: unknown input option 'data_format' (an input takes 'layout: channels_last')");
    expect(errors('input image: f32[105] layout: channels_last')).toContain(
      "net.dl:2:33: error: layout: channels_last takes an image f32[height, width, channels] or a sequence f32[length, channels]; 'image' is f32[105]");
    // channels_first is dlc's own order: the same program as no option.
    expect(compiles(image('input image: f32[3, 7, 5] layout: channels_first')).artifact!.manifest.programs.forward.kernels.length)
      .toBe(compiles(image('input image: f32[3, 7, 5]')).artifact!.manifest.programs.forward.kernels.length);
  });
});
