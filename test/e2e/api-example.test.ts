// README's runtime API example runs as printed and learns.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

describe('samples/api_example.ts', () => {
  it('trains two epochs from TypeScript and reports held-out accuracy above 85%', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'samples/api_example.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = /held-out accuracy ([\d.]+)%/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(85);
  }, 180_000);
});
