/** Medians, spreads and unit conversions for the bench tables. MB = 10^6 bytes, as in the baseline figures. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(samples: readonly number[]): Spread | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

export const mbPerSecond = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export const round = (x: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
