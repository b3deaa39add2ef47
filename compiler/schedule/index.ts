// The scheduler: operator order, placement across memory tiers, SRAM addresses and spills (COSMA-style ILP).
export * from './types';
export { cascadeToOpGraph } from './from-cascade';
export { tierChain, tierChainFromTarget, withSram, memoryCostPerByte, homeTiers, reservedHomeBytes } from './tiers';
export { checkSchedule, trafficByTier, type CheckResult, type CheckRule, type Violation } from './checker';
export { baselineSchedule, type ReplacementPolicy, type BaselineFailure } from './baseline';
export { ilpSchedule, mpmf, checkBudgetFits, opFootprintBytes, InfeasibleBudgetError, type IlpOptions, type IlpSchedule, type MpmfResult } from './schedule';
export { computeBudgets, budgetMR, noSpillPeakBytes, type Budgets, type BudgetName } from './budgets';
export { divideAndConquer, windowsOf, type DivideOptions, type DivideResult } from './divide';
export { runSchedule, baselines, reduction, type ScheduleRequest, type ScheduleReport, type BaselineResult } from './report';
export { getSolver, SOLVER_NAMES, type SolverName } from './solvers';
export type { MipSolver, MipResult, MipOptions, MipProgress } from './mip';
