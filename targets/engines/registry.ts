// The registry of engine families, Timeloop-style: a factory chosen by name. Families register
// themselves (`registerEngine` at the end of their file, targets/engines/<name>.ts), a target's
// .arch names one with `attr engine = NAME` (or `none`), and without the attribute the first
// registered family that supports the spec is used, so a user's own .arch gets cycle fidelity with
// no code. How to write one: targets/engines/contract.ts.
import type { TargetSpec } from '../spec/types';
import type { EngineFamily } from './contract';

const families: EngineFamily[] = [];

/** Registers a family; a second family of the same name replaces the first (a test's fixture, a user's plug-in). */
export function registerEngine(f: EngineFamily): EngineFamily {
  const i = families.findIndex((x) => x.name === f.name);
  if (i >= 0) families[i] = f;
  else families.push(f);
  return f;
}

/** Every registered family, in the order they are tried. */
export function engineFamilies(): readonly EngineFamily[] {
  return families;
}

/** The family a target simulates its cycle fidelity with; a string says why it has none. */
export function engineFamilyFor(spec: TargetSpec): EngineFamily | string {
  const named = spec.attrs.engine;
  if (named === undefined) return families.find((e) => e.unsupported(spec) === null) ?? `no cycle-level engine supports ${spec.name} (${families.map((e) => `${e.name}: ${e.unsupported(spec)}`).join('; ')})`;
  if (named === 'none') return `${spec.name} says \`attr engine = none\``;
  const e = families.find((x) => x.name === named);
  if (!e) return `${spec.name}: unknown engine '${String(named)}' (engines: ${families.map((x) => x.name).join(', ')}, none)`;
  const why = e.unsupported(spec);
  return why === null ? e : `engine ${e.name} cannot simulate ${spec.name}: ${why}`;
}
