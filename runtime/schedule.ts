// Learning-rate schedules and early stopping: host-side controls the training loop applies between
// steps (the rate goes into the step uniform; nothing is recompiled).
import type { EarlyStoppingSpec, ScheduleSpec } from '../compiler/artifact.ts';

/**
 * The rate at `t` epochs done (fractional within an epoch), before warm-up and plateau reductions.
 * `base` is the optimizer's rate, `epochs` the length of the run.
 */
export function scheduledRate(s: ScheduleSpec, base: number, t: number, epochs: number): number {
  switch (s.kind) {
    case 'constant': case 'reduce_on_plateau': return base;
    case 'step': return base * (s.factor ?? 0.1) ** Math.floor(t / (s.every ?? 10));
    case 'exponential': return base * (s.rate ?? 0.96) ** t;
    case 'cosine': {
      const min = s.min ?? 0;
      return min + ((base - min) * (1 + Math.cos((Math.PI * Math.min(t, epochs)) / epochs))) / 2;
    }
  }
}

/** Linear warm-up over the first `warmup` epochs, step by step: step k (0-based) gets (k + 1) / (warmup·steps). */
export const warmupFactor = (s: ScheduleSpec, step: number, stepsPerEpoch: number): number =>
  s.warmup ? Math.min(1, (step + 1) / (s.warmup * stepsPerEpoch)) : 1;

/** Tracks the best value of a monitored loss and how many epochs it has not improved by minDelta. */
export class Plateau {
  best = Infinity;
  bestEpoch = 0;
  wait = 0;
  constructor(private readonly minDelta: number) {}
  /** Records an epoch's value; true when it improved. */
  update(value: number, epoch: number): boolean {
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return true;
    }
    this.wait++;
    return false;
  }
}

export type { EarlyStoppingSpec, ScheduleSpec };
