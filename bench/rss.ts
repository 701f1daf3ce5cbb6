const MB = 1024 * 1024;

/** Samples the process's resident set size in the background. */
export interface RssSampler {
  /** Current RSS, MB. */
  now(): number;
  /** Highest RSS seen since the last `resetPeak()`, MB. */
  peak(): number;
  resetPeak(): void;
  stop(): void;
}

/** Starts sampling `process.memoryUsage.rss()` every `intervalMs` (the timer does not keep the process alive). */
export function startRssSampler(intervalMs = 100): RssSampler {
  let peak = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss() / MB;
    peak = Math.max(peak, rss);
    return rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    now: sample,
    peak: () => Math.max(peak, sample()),
    resetPeak: () => {
      peak = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}
