// Work limits of the engines: an engine that would need more steps than it can take in a few
// seconds refuses before it starts, with the estimate and how to get an answer anyway. The driver
// reports a WorkLimitError as a plain message with exit code 1 (compiler/driver/program.ts).

/** Most folds a fold-level engine walks one by one (each a few hundred nanoseconds). */
export const MAX_FOLDS = 2 ** 26;

export class WorkLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkLimitError';
  }
}

/** Throws when `folds` is over the limit; `what` names the layer or einsum. */
export function checkFolds(folds: number, what: string): void {
  if (folds > MAX_FOLDS)
    throw new WorkLimitError(`${what} has ${folds.toExponential(2)} folds, more than the ${MAX_FOLDS.toExponential(2)} the fold-level engine walks one by one; use a larger array, or the analytic model (tessera run --fidelity analytic)`);
}
