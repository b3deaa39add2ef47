export * from './types';
export * from './diagnostic';
export * from './dtype';
export * from './affine';
export * from './query';
export { finalize, type FinalizeResult } from './finalize';
export { printCascade, printEinsum, printExpr, printIndex } from './print';
export { cascadesEqual, einsumsEqual, exprsEqual, indexEqual } from './equal';
export * from './prng';
