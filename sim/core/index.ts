export { EventQueue, InOrderUnit, type EventHandler } from './events';
export { Stats, fraction } from './stats';
export { TraceWriter, type TraceOptions } from './trace';
export * from './result';
