// The reference interpreter: runs any valid cascade on Float64Array storage with dtype emulation.
export type { TensorData } from './tensor';
export { interpret, checkTensorBudget, exprNodes, tooMuchWork, DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_WORK, type InterpretOptions } from './interpret';
export { randomInputs, streamFor, mulberry32 } from './random';
export { roundTo, rounderFor, roundArray, roundToFormat, roundToInt, erf, FLOAT_FORMATS, INT_RANGES, halfBitsToNumber, type FloatFormat } from './numerics';
export { checksum, compareData, compareTensors, type Checksum, type Comparison } from './report';
export { parseNpy, NpyError, type NpyArray } from './npy';
export { loadInputs, loadNpyDir, parseInputsJson } from './input-files';
export { executionPlan, type Unit } from './plan';
export { pruneNM } from './prune';
