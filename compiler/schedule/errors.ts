// The one error a caller is expected to handle: no schedule fits the tiers. The CLI turns it into exit 1.

/** A budget (or tier capacities) no schedule can meet: names the tensor and the step that cannot fit. */
export class InfeasibleBudgetError extends Error {
  constructor(
    message: string,
    readonly tensor: string,
    readonly step: number,
  ) {
    super(message);
    this.name = 'InfeasibleBudgetError';
  }
}
