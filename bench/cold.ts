// Cold first step: the seconds from defining a model to its first step's loss on the host, each
// peer and workload in a fresh process with Mesa's shader cache off, so that every kernel the step
// needs is compiled then and nothing is reused from an earlier workload or run. For dlc that is
// compile() (parse to WGSL), pipeline creation and the step; for TF.js and jax-js, building the
// model and the first step, which compiles their shaders as it goes. Opening the device and loading
// the library are left out for every peer.
import { spawn } from 'node:child_process';
import type { Peer, TrainTimes } from './peers/types.ts';
import type { Workloads } from './workloads.ts';

export type ColdWorkload = keyof Workloads;

/** What a cold child prints on its last stdout line. */
const TAG = 'bench-cold-result ';

/** In the child: one peer's first step of one workload, printed as TAG + JSON. */
export async function coldChild(peer: Peer, workload: ColdWorkload, w: Workloads): Promise<void> {
  const run = peer[workload] as ((x: Workloads[ColdWorkload]) => Promise<TrainTimes>) | undefined;
  if (!run) throw new Error(`${peer.name} has no ${workload} workload`);
  const t0 = performance.now();
  const times = await run.call(peer, { ...w[workload], steps: 0, windows: 0 });
  process.stdout.write(`${TAG}${JSON.stringify({ seconds: (times.firstStepEnd - t0) / 1000 })}\n`);
  await peer.dispose();
}

/** Environment that turns Mesa's on-disk shader cache off (both names Mesa has used). */
export const COLD_ENV = { MESA_SHADER_CACHE_DISABLE: 'true', MESA_GLSL_CACHE_DISABLE: 'true' };

/**
 * In the parent: runs this same script as a child for one peer and workload (`childArgs` select
 * them) and returns its cold first-step seconds, or the child's error.
 */
export function runColdChild(childArgs: string[], timeoutMs: number): Promise<{ seconds: number } | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...childArgs], {
      env: { ...process.env, ...COLD_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(TAG));
      if (line) return resolve(JSON.parse(line.slice(TAG.length)) as { seconds: number });
      const why = signal ? `killed (${signal}) after ${timeoutMs / 1000} s` : `exit code ${code}`;
      const last = err.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-1)[0] ?? '';
      resolve({ error: `${why}${last ? `: ${last}` : ''}` });
    });
  });
}
