// Dataflow chips with several memory tiers (SN40L): pipelined sections, per tile (level 2), and the
// per-cycle reference (level 3) that holds them to their rules.
export * from './section';
export * from './plan';
export { referenceSection, type ReferenceSectionRun } from './reference';
export * from './closed-form';
