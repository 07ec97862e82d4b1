// The watched child's memory settings (cli/supervise.ts): small V8 semi-spaces and glibc's fixed
// mmap threshold, each unless the user chose their own.
import { describe, expect, it } from 'vitest';
import { childEnv, childNodeFlags } from '../../cli/supervise.ts';

describe('the supervised child', () => {
  it('gets semi-spaces of 1 MB unless the flags or NODE_OPTIONS set them', () => {
    expect(childNodeFlags([], {})).toEqual(['--max-semi-space-size=1']);
    expect(childNodeFlags(['--max-semi-space-size=16'], {})).toEqual([]);
    expect(childNodeFlags([], { NODE_OPTIONS: '--max-semi-space-size=4' })).toEqual([]);
  });
  it("gets glibc's mmap threshold fixed at 1 MiB unless GLIBC_TUNABLES is set, and is marked as supervised", () => {
    const env = childEnv({ PATH: '/bin' });
    expect(env).toEqual({ PATH: '/bin', DLC_SUPERVISED: '1', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576' });
    expect(childEnv({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES).toBe('');
    expect(childEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=1');
  });
});
