// `tessera schedule --trace FILE`: the schedule as a Perfetto trace. Time is the schedule's step (one step
// drawn as 1 µs): each tensor's lifetime in the SRAM is a slice on the SRAM's track, each reload and spill a
// slice on its tier's track with a flow arrow between the tier and the SRAM.
import { TraceWriter } from '../../sim/core/trace';
import type { ScheduleReport } from '../schedule/report';

export function scheduleTrace(r: Pick<ScheduleReport, 'graph' | 'schedule' | 'tiers'>): TraceWriter {
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
  return t;
}
