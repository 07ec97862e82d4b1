// The layers of issue 20's catalogue through `dlc check`: each listed with its output shape and
// the parameter count Keras's layer of that name has for the same sizes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

const SOURCE = `
model m {
  input x: f32[3, 8, 9]
  input s: f32[4, 12]
  input t: f32[5]
  a = x -> conv2d_transpose(4, kernel: 3, stride: 2, padding: same) -> groupnorm(groups: 2) -> prelu(shared_axes: [2, 3])
  b = x -> depthwise_conv2d(kernel: 3, depth_multiplier: 2) -> spatial_dropout2d(0.2) -> separable_conv2d(4, kernel: 2)
  c = x -> maxpool(pool: 2, padding: same) -> upsample(factor: 2, interpolation: bilinear)
  d = s -> conv1d(6, kernel: 3, padding: causal)
  p = concat(a -> global_avgpool, b -> global_avgpool, c -> global_maxpool, d -> flatten, axis: 1) -> dense(5)
  output p
}
train m { loss = mse(p, t); optimizer = sgd(lr: 0.1); batch = 3 }
`;

describe('the catalogue\'s layers in dlc check', () => {
  it('lists each with its output shape and Keras\'s parameter count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-catalogue-layers-'));
    const file = join(dir, 'net.dl');
    writeFileSync(file, SOURCE.trimStart());
    const r = await dlc(['check', file]);
    expect(r.code).toBe(0);
    // Conv2DTranspose 3·3·4·3 + 4; GroupNormalization 2·4; PReLU shared over the plane 4;
    // DepthwiseConv2D 3·3·3·2 + 6; SeparableConv2D 2·2·6 + 6·4 + 4; Conv1D 3·4·6 + 6.
    expect(r.stdout).toMatch(/conv2d_transpose_1 \(conv2d_transpose\)\s+\(batch, 4, 16, 18\)\s+112\s+linear\s+x\n/);
    expect(r.stdout).toMatch(/groupnorm_1 \(groupnorm\)\s+\(batch, 4, 16, 18\)\s+8\s+conv2d_transpose_1\n/);
    expect(r.stdout).toMatch(/prelu_1 \(prelu\)\s+a\s+\(batch, 4, 16, 18\)\s+4\s+groupnorm_1\n/);
    expect(r.stdout).toMatch(/depthwise_conv2d_1 \(depthwise_conv2d\)\s+\(batch, 6, 6, 7\)\s+60\s+linear\s+x\n/);
    expect(r.stdout).toMatch(/spatial_dropout2d_1 \(spatial_dropout2d\)\s+\(batch, 6, 6, 7\)\s+0\s+depthwise_conv2d_1\n/);
    expect(r.stdout).toMatch(/separable_conv2d_1 \(separable_conv2d\)\s+b\s+\(batch, 4, 5, 6\)\s+52\s+linear\s+spatial_dropout2d_1\n/);
    expect(r.stdout).toMatch(/maxpool_1 \(maxpool\)\s+\(batch, 3, 4, 5\)\s+0\s+x\n/);
    expect(r.stdout).toMatch(/upsample_1 \(upsample\)\s+c\s+\(batch, 3, 8, 10\)\s+0\s+maxpool_1\n/);
    expect(r.stdout).toMatch(/conv1d_1 \(conv1d\)\s+d\s+\(batch, 6, 12\)\s+78\s+linear\s+s\n/);
  });
});
