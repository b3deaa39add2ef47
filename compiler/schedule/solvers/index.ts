// The two MIP back ends behind one interface.
import type { MipSolver } from '../mip';
import { glpkSolver } from './glpk';
import { highsSolver } from './highs';

export const SOLVER_NAMES = ['highs', 'glpk'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];

export function getSolver(name: SolverName): MipSolver {
  return name === 'glpk' ? glpkSolver : highsSolver;
}
