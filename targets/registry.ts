// The list of targets. Adding one is one import and one entry here plus its folder; nothing else
// in Tessera names a target.
import { DiagnosticError, error } from '../compiler/ir/diagnostic';
import type { Target } from './target';
import { target as a100 } from './a100';
import { target as eyerissLike } from './eyeriss-like';
import { target as flat } from './flat';
import { target as fusemax } from './fusemax';
import { target as h100 } from './h100';
import { target as lutTc } from './lut-tc';
import { target as sn40l } from './sn40l';
import { target as systolic } from './systolic';
import { target as tpuV1 } from './tpu-v1';
import { target as u280 } from './u280';

const TARGETS: readonly Target[] = [systolic, tpuV1, eyerissLike, flat, fusemax, sn40l, u280, lutTc, h100, a100];

export function listTargets(): string[] {
  return TARGETS.map((t) => t.name);
}

export function getTarget(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) {
    const near = TARGETS.map((x) => x.name).filter((n) => n.startsWith(name.slice(0, 2)));
    throw new DiagnosticError([error('unknown-target', `unknown target '${name}'`, undefined, `${near.length ? `did you mean ${near.join(' or ')}? ` : ''}targets: ${listTargets().join(', ')}`)]);
  }
  return t;
}
