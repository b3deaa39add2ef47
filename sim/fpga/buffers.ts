// The overlay's on-chip buffers as a target's .arch states them, and which RAM holds each. FlightLLM's artifact
// (profile/config.yaml) gives every core an A, B, global, meta, FSB and bias buffer; the .arch copies them onto
// the matrix engine (the `dsp` unit) as four attributes a buffer:
//   <name>_buffer_depth        words a bank holds
//   <name>_buffer_bank_width   a bank's width (a size: `16 B`)
//   <name>_buffer_banks        banks per HBM channel
//   <name>_buffer_channels     HBM channels feeding it
// so a core has banks x channels independently addressed banks of width x depth. Which RAM: the .arch's
// `attr buffer_uram_depth` (an ASSUMPTION the artifact leaves open): a bank at least that deep goes to URAM288,
// a shallower one to block RAM. sim/fpga/resources.ts counts the blocks.
import { DiagnosticError, error } from '../../compiler/ir/diagnostic';
import type { TargetSpec } from '../../targets/spec/types';
import { requiredInt } from './hardware';
import type { BufferDesc } from './resources';

/** One buffer of a core: its banks (banks per channel x channels) of widthBits x depth, in the RAM `kind`. */
export interface OverlayBuffer extends BufferDesc {
  banks: number;
  banksPerChannel: number;
  channels: number;
}

const SUFFIX = '_buffer_depth';

function bad(owner: string, msg: string): DiagnosticError {
  return new DiagnosticError([error('bad-attr', `${owner}: ${msg}`)]);
}

const positiveInt = (owner: string, attrs: Record<string, unknown>, k: string) => requiredInt(owner, attrs, k, 1, 'a buffer states depth, bank_width, banks and channels');

/** A bank's width in bits: the attribute must be a size (`16 B`, `128 bit`), never a bare number. */
function widthBits(owner: string, attrs: Record<string, unknown>, units: Record<string, string> | undefined, k: string): number {
  const v = attrs[k];
  if (v === undefined) throw bad(owner, `attr ${k} is missing (a buffer states depth, bank_width, banks and channels)`);
  if (typeof v !== 'number' || units?.[k] !== 'B') throw bad(owner, `attr ${k} = ${String(v)} must be a size with its unit, e.g. 16 B`);
  const bits = v * 8;
  if (!Number.isSafeInteger(bits) || bits < 1) throw bad(owner, `attr ${k} = ${v} B must be a positive whole number of bits`);
  return bits;
}

/** The buffers of one core, in the order the .arch states them; [] when the matrix engine states none. */
export function overlayBuffers(spec: TargetSpec): OverlayBuffer[] {
  const u = spec.computes.find((c) => c.kind === 'dsp');
  if (!u) return [];
  const names = Object.keys(u.attrs).filter((k) => k.endsWith(SUFFIX)).map((k) => k.slice(0, -SUFFIX.length));
  if (names.length === 0) return [];
  const uramDepth = u.attrs.buffer_uram_depth;
  if (typeof uramDepth !== 'number' || !Number.isSafeInteger(uramDepth) || uramDepth < 1)
    throw bad(u.name, `attr buffer_uram_depth = ${String(uramDepth)} must be a positive integer (a bank at least this deep goes to URAM, a shallower one to block RAM)`);
  return names.map((n) => {
    const p = `${n}_buffer`;
    const depth = positiveInt(u.name, u.attrs, `${p}_depth`);
    const banksPerChannel = positiveInt(u.name, u.attrs, `${p}_banks`);
    const channels = positiveInt(u.name, u.attrs, `${p}_channels`);
    const kind = depth >= uramDepth ? 'uram' : 'bram';
    return { name: n, widthBits: widthBits(u.name, u.attrs, u.attrUnits, `${p}_bank_width`), depth, kind, banks: banksPerChannel * channels, banksPerChannel, channels };
  });
}
