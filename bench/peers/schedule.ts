// The timed schedule every peer trains by, so that all of them do the same steps and sync alike.
import { TRAIN_WARMUP, type TrainSchedule, type TrainTimes } from './types.ts';

/**
 * Runs `step(k, sync)` for k = 0, 1, ...: TRAIN_WARMUP untimed steps, each synchronised; then
 * `steps` timed steps, each synchronised (its loss read back: the 'step' mode); then `windows`
 * timed windows of `syncEvery` steps of which only the last synchronises (the 'window' mode, as a
 * training loop that reports the loss every N steps runs). `step(k, true)` must return step k's
 * loss once the library has finished it; `step(k, false)` only queues the step, as the library's
 * users would (returning undefined). The batch of step k is the same in both modes.
 */
export async function timeSchedule(s: TrainSchedule, step: (k: number, sync: boolean) => Promise<number | undefined>): Promise<TrainTimes> {
  const t: TrainTimes = { firstStepEnd: NaN, seconds: [], losses: [], windowSeconds: [], windowLosses: [] };
  let k = 0;
  const synced = async (): Promise<number> => {
    const loss = await step(k++, true);
    if (loss === undefined) throw new Error(`train step ${k - 1} was asked to synchronise and returned no loss`);
    return loss;
  };
  for (let i = 0; i < TRAIN_WARMUP; i++) {
    await synced();
    if (i === 0) t.firstStepEnd = performance.now();
  }
  for (let i = 0; i < s.steps; i++) {
    const t0 = performance.now();
    const loss = await synced();
    t.seconds.push((performance.now() - t0) / 1000);
    t.losses.push(loss);
  }
  for (let w = 0; w < s.windows; w++) {
    const t0 = performance.now();
    for (let i = 0; i < s.syncEvery - 1; i++) await step(k++, false);
    const loss = await synced();
    t.windowSeconds.push((performance.now() - t0) / 1000 / s.syncEvery); // seconds per step
    t.windowLosses.push(loss);
  }
  return t;
}
