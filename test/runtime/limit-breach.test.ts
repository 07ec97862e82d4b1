import { describe, expect, it } from 'vitest';
import { firstLimitBreach } from '../../runtime/limit-breach.ts';

const roomy = { maxBufferSize: 1024, maxStorageBuffersPerShaderStage: 2, maxStorageBufferBindingSize: 512, maxComputeWorkgroupsPerDimension: 8 } as GPUSupportedLimits;
const buffers = [{ size: 256, label: 'a' }, { size: 512, label: 'b' }, { size: 16, label: 'params' }];
const kernel = (bindings: { buffer: number; access: string; size?: number }[], workgroups?: number[]) => ({ name: 'k', bindings, ...(workgroups ? { workgroups } : {}) });

describe('firstLimitBreach: the one comparison of an artifact with device limits', () => {
  it('finds nothing when everything fits, uniforms not counted as storage', () => {
    const k = kernel([{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read_write' }, { buffer: 2, access: 'uniform' }], [8, 1, 1]);
    expect(firstLimitBreach(buffers, [k], roomy)).toBeUndefined();
  });
  it('names each kind of breach with its limit', () => {
    expect(firstLimitBreach([{ size: 2048, label: 'big' }], [], roomy)).toMatchObject({ what: 'buffer-size', size: 2048, limit: 1024, limitName: 'maxBufferSize' });
    const three = kernel([0, 1, 0].map((buffer) => ({ buffer, access: 'read' })));
    expect(firstLimitBreach(buffers, [three], roomy)).toMatchObject({ what: 'storage-buffers', count: 3, limit: 2 });
    const wide = kernel([{ buffer: 0, access: 'read' }, { buffer: 1, access: 'read', size: 600 }]);
    expect(firstLimitBreach([buffers[0]!, { size: 1000, label: 'b' }], [wide], roomy)).toMatchObject({ what: 'binding-size', size: 600, buffer: { label: 'b' } });
    expect(firstLimitBreach(buffers, [kernel([], [1, 9, 1])], roomy)).toMatchObject({ what: 'workgroups', count: 9, limit: 8 });
  });
  it('checks a binding by its sub-range, not the whole buffer', () => {
    const ranged = kernel([{ buffer: 0, access: 'read', size: 256 }]);
    expect(firstLimitBreach([{ size: 1000, label: 'arena' }], [ranged], roomy)).toBeUndefined();
  });
});
