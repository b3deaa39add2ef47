// `tessera schedule --trace FILE`: the schedule as a Perfetto trace. Time is the schedule's step (one step
// drawn as 1 µs): each tensor's lifetime in the SRAM is a slice on the SRAM's track, each reload and spill a
// slice on its tier's track with a flow arrow between the tier and the SRAM. Counter tracks: the SRAM's
// occupancy (the bytes of the tensors placed there at each step, beside the budget), and per tier the bytes
// reloaded from it and spilled to it at each step. A trace cut for size says so (sim/core/trace.ts).
import { occupancyCounter, TraceWriter } from '../../sim/core/trace';
import type { ScheduleReport } from '../schedule/report';
import { writeOutput } from './output';

type Scheduled = Pick<ScheduleReport, 'graph' | 'schedule' | 'tiers'> & Partial<Pick<ScheduleReport, 'tensors' | 'budget'>>;

export { occupancyCounter };
/** The counter track of a tier's transfers. */
export const transferCounter = (tier: string): string => `${tier} transfers (bytes/step)`;

export function scheduleTrace(r: Scheduled): TraceWriter {
  const t = new TraceWriter({ processName: `tessera schedule ${r.graph} (1 µs = 1 step)` });
  const sram = r.tiers[0]?.name ?? 'SRAM';
  for (const p of r.schedule.placements) t.span(sram, p.tensor, p.start, p.end + 1, { offsetBytes: p.offsetBytes });
  for (const s of r.schedule.steps) {
    t.span('ops', s.op, s.step, s.step + 1);
    for (const l of s.loads) {
      const [tensor, tier] = l.split(' <- ');
      t.span(tier!, `reload ${tensor}`, s.step, s.step + 1);
      t.flow(`reload ${tensor}`, tier!, s.step, sram, s.step + 1);
    }
    for (const l of s.spills) {
      const [tensor, tier] = l.split(' -> ');
      t.span(tier!, `spill ${tensor}`, s.step, s.step + 1);
      t.flow(`spill ${tensor}`, sram, s.step, tier!, s.step + 1);
    }
  }
  if (r.tensors) scheduleCounters(t, r, sram, new Map(r.tensors.map((x) => [x.name, x.bytes])));
  return t;
}

/** Occupancy of the SRAM and transfers per tier, one sample per step (a schedule has as many steps as ops). */
function scheduleCounters(t: TraceWriter, r: Scheduled, sram: string, bytes: Map<string, number>): void {
  const steps = r.schedule.steps.length;
  const live = new Float64Array(steps + 2);
  for (const p of r.schedule.placements) {
    live[p.start]! += bytes.get(p.tensor) ?? 0;
    live[p.end + 1]! -= bytes.get(p.tensor) ?? 0;
  }
  let occ = 0;
  for (let i = 0; i <= steps; i++) {
    occ += live[i]!;
    t.counter(occupancyCounter(sram), i, { placed: occ, ...(r.budget ? { budget: r.budget.bytes } : {}) });
  }
  const tiers = new Set(r.tiers.slice(1).map((x) => x.name));
  for (const s of r.schedule.steps) {
    const moved = new Map<string, { reload: number; spill: number }>();
    const add = (tier: string, tensor: string, k: 'reload' | 'spill') => {
      tiers.add(tier);
      const m = moved.get(tier) ?? { reload: 0, spill: 0 };
      m[k] += bytes.get(tensor) ?? 0;
      moved.set(tier, m);
    };
    for (const l of s.loads) add(l.split(' <- ')[1]!, l.split(' <- ')[0]!, 'reload');
    for (const l of s.spills) add(l.split(' -> ')[1]!, l.split(' -> ')[0]!, 'spill');
    for (const tier of tiers) t.counter(transferCounter(tier), s.step, moved.get(tier) ?? { reload: 0, spill: 0 });
  }
}

/** Writes the trace and, when it was cut for size, says so on stderr. */
export function writeScheduleTrace(file: string, r: Scheduled): void {
  const t = scheduleTrace(r);
  writeOutput(file, t.text());
  const notice = t.truncationNotice(file);
  if (notice) process.stderr.write(notice);
}
