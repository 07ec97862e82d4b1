// Learning-rate schedules and early stopping: host-side controls the training loop applies between
// steps (the rate goes into the step uniform; nothing is recompiled).
import { SCHEDULE_DEFAULTS, type EarlyStoppingSpec, type ScheduleSpec } from '../compiler/artifact.ts';

/**
 * The rate at `t` epochs done (fractional within an epoch), before the warm-up ramp and plateau
 * reductions. `base` is the optimizer's rate (the peak), `epochs` the length of the run.
 *
 * With `warmup: w`, the decay starts where the warm-up ends (Keras and Hugging Face order): for
 * t < w the rate is `base` (warmupFactor ramps it up to there), after it the schedule runs on
 * t − w over the remaining epochs − w, so a cosine still reaches `min` at the last epoch.
 */
export function scheduledRate(s: ScheduleSpec, base: number, t: number, epochs: number): number {
  const warmup = s.warmup ?? 0;
  const since = Math.max(0, t - warmup);
  const span = epochs - warmup;
  switch (s.kind) {
    case 'constant': case 'reduce_on_plateau': return base;
    case 'step': return base * (s.factor ?? SCHEDULE_DEFAULTS.step.factor) ** Math.floor(since / (s.every ?? SCHEDULE_DEFAULTS.step.every));
    case 'exponential': return base * (s.rate ?? SCHEDULE_DEFAULTS.exponential.rate) ** since;
    case 'cosine': {
      const min = s.min ?? SCHEDULE_DEFAULTS.cosine.min;
      // A warm-up as long as the run leaves no decay: the rate stays at its peak.
      const progress = span > 0 ? Math.min(since, span) / span : 0;
      return min + ((base - min) * (1 + Math.cos(Math.PI * progress))) / 2;
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
