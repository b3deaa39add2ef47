// Error and correlation metrics for predicted-versus-measured comparisons (the protocol in REFERENCES.md).
// Errors are fractions (0.05 = 5 %); callers format them as percentages.

function checkPair(predicted: ArrayLike<number>, measured: ArrayLike<number>): number {
  if (predicted.length !== measured.length) throw new Error(`metrics: ${predicted.length} predictions for ${measured.length} measurements`);
  if (predicted.length === 0) throw new Error('metrics: no points');
  return predicted.length;
}

/** Mean absolute percentage error, as a fraction: mean(|p - m| / m). Measurements must be positive. */
export function mape(predicted: ArrayLike<number>, measured: ArrayLike<number>): number {
  const n = checkPair(predicted, measured);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(predicted[i]! - measured[i]!) / measured[i]!;
  return s / n;
}

/** Largest absolute percentage error, as a fraction. */
export function maxAbsPctError(predicted: ArrayLike<number>, measured: ArrayLike<number>): number {
  const n = checkPair(predicted, measured);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(predicted[i]! - measured[i]!) / measured[i]!);
  return worst;
}

/** Pearson correlation; NaN when either side has zero variance. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkPair(x, y);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Ranks starting at 1; tied values share the mean of the ranks they span. */
export function fractionalRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation: Pearson on fractional ranks (correct with ties). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y);
  return pearson(fractionalRanks(x), fractionalRanks(y));
}

export interface ErrorSummary {
  points: number;
  mape: number;
  maxError: number;
  pearson: number;
  spearman: number;
}

export function summarize(predicted: ArrayLike<number>, measured: ArrayLike<number>): ErrorSummary {
  return {
    points: predicted.length,
    mape: mape(predicted, measured),
    maxError: maxAbsPctError(predicted, measured),
    pearson: pearson(predicted, measured),
    spearman: spearman(predicted, measured),
  };
}
