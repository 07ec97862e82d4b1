// A checkpoint's epoch, step and seed are read from its file: each is checked as a bounded decimal
// integer, and a bad one is named with the file and the field.
import { describe, expect, it } from 'vitest';
import { CheckpointError, checkpointProgress } from '../../runtime/checkpoint-node.ts';
import { messageOf } from '../helpers/errors.ts';

const ok = { epoch: '4', step: '60', seed: '1' };
const error = (metadata: Record<string, string>) => messageOf(() => checkpointProgress(metadata, 'run/checkpoint.safetensors'), CheckpointError);

describe('checkpointProgress', () => {
  it('reads what saveCheckpoint writes', () => {
    expect(checkpointProgress(ok, 'c')).toEqual({ epoch: 4, step: 60, seed: 1 });
    expect(checkpointProgress({ epoch: '0', step: '4294967295', seed: '4294967295' }, 'c')).toEqual({ epoch: 0, step: 2 ** 32 - 1, seed: 2 ** 32 - 1 });
  });
  it('refuses a step or seed beyond u32 (1e300 was accepted), naming the file and the field', () => {
    expect(error({ ...ok, step: '1e300' })).toBe(`run/checkpoint.safetensors: metadata 'step' is "1e300", expected an integer in [0, 4294967295]`);
    expect(error({ ...ok, step: '4294967296' })).toBe(`run/checkpoint.safetensors: metadata 'step' is "4294967296", expected an integer in [0, 4294967295]`);
    expect(error({ ...ok, seed: '99999999999999999999' })).toBe(`run/checkpoint.safetensors: metadata 'seed' is "99999999999999999999", expected an integer in [0, 4294967295]`);
  });
  it('accepts decimal digits only: Number() would read "", " 7", "0x10" and "1.0" as integers', () => {
    for (const text of ['', ' 7', '0x10', '1.0', '-1', 'NaN']) {
      expect(error({ ...ok, seed: text })).toBe(`run/checkpoint.safetensors: metadata 'seed' is ${JSON.stringify(text)}, expected an integer in [0, 4294967295]`);
    }
    const { seed: _, ...noSeed } = ok;
    expect(error(noSeed)).toBe(`run/checkpoint.safetensors: metadata 'seed' is missing, expected an integer in [0, 4294967295]`);
  });
  it('refuses more epochs than steps', () => {
    expect(error({ ...ok, epoch: '61' })).toBe(`run/checkpoint.safetensors: metadata 'epoch' is "61", expected an integer in [0, 60], at most its step (every epoch takes one or more steps)`);
  });
  it('quotes metadata through printable()', () => {
    expect(error({ ...ok, step: '\x1b[2J' })).toBe(`run/checkpoint.safetensors: metadata 'step' is "\\u001b[2J", expected an integer in [0, 4294967295]`);
  });
});
