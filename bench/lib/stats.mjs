// Order statistics for bench samples: nearest-rank percentiles over the sorted samples.
export function summarize(samples) {
  const s = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, median: NaN, p95: NaN, min: NaN, max: NaN };
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median: round(median), p95: round(q(0.95)), min: round(s[0]), max: round(s[s.length - 1]) };
}

export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? round(a / b, 2) : NaN;
}
