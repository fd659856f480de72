// Learning-rate schedules: functions of the step (0-based) returning the learning rate.

export type Schedule = (step: number) => number;

export interface WarmupCosineOptions {
  /** Peak learning rate reached at the end of warmup. */
  peak: number;
  /** Linear warmup steps from 0 to peak. */
  warmupSteps: number;
  /** Step at which the cosine reaches `floor`; constant afterwards. */
  totalSteps: number;
  /** Final learning rate (default 10% of peak). */
  floor?: number;
}

/** Linear warmup, then cosine decay to floor. */
export function warmupCosine(o: WarmupCosineOptions): Schedule {
  const floor = o.floor ?? o.peak * 0.1;
  return (step) => {
    if (step < o.warmupSteps) return (o.peak * (step + 1)) / o.warmupSteps;
    const progress = Math.min(1, (step - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps));
    return floor + 0.5 * (o.peak - floor) * (1 + Math.cos(Math.PI * progress));
  };
}

/** Linear warmup, then constant. */
export function warmupConstant(peak: number, warmupSteps: number): Schedule {
  return (step) => (step < warmupSteps ? (peak * (step + 1)) / warmupSteps : peak);
}
