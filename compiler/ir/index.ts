export * from './types';
export * from './diagnostic';
export * from './dtype';
export * from './affine';
export * from './query';
export { finalize, fmtIdx, type FinalizeResult } from './finalize';
