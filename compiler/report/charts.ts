// Vega-Lite specifications for each result kind. Each chart says how many marks its main layer must
// draw (`points`) and the name of that layer, so the browser test can check that every data point was
// drawn. Data is inlined into the spec: the page works offline and needs no server.
import type { TopLevelSpec } from 'vega-lite';

export interface Chart {
  id: string;
  title: string;
  /** one sentence under the chart: what to read in it */
  caption: string;
  spec: TopLevelSpec;
  /** marks the main layer draws (one per data row) */
  points: number;
  /** the name of the main layer's mark in the compiled Vega (the test counts its items) */
  mark: string;
}

type Row = Record<string, string | number | null>;
const WIDTH = 640;

/** A chart: the common header (schema, width) and what the browser test checks (points, mark). */
function chart(id: string, title: string, caption: string, points: number, mark: string, spec: Record<string, unknown>): Chart {
  return { id, title, caption, points, mark, spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, ...spec } as TopLevelSpec };
}

/** A horizontal stacked bar per item (einsum), one colour per part (compute, a memory tier, static). */
export function stackedBars(id: string, title: string, caption: string, rows: Row[], o: { item: string; part: string; value: string; unit: string }): Chart {
  return chart(id, title, caption, rows.length, 'marks', {
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: o.item, type: 'nominal', sort: null, title: null },
      x: { field: o.value, type: 'quantitative', stack: 'zero', title: `${o.value} (${o.unit})` },
      color: { field: o.part, type: 'nominal', title: null },
      tooltip: [{ field: o.item }, { field: o.part }, { field: o.value, format: ',.4~g' }],
    },
  });
}

/** A bar per tier: bytes read and written. */
export function tierBars(id: string, title: string, caption: string, rows: Row[]): Chart {
  return chart(id, title, caption, rows.length, 'marks', {
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'tier', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'direction' },
      x: { field: 'bytes', type: 'quantitative', title: 'bytes' },
      color: { field: 'direction', type: 'nominal', title: null },
      tooltip: [{ field: 'tier' }, { field: 'direction' }, { field: 'bytes', format: ',' }],
    },
  });
}

/**
 * The roofline of a target (one compute roof, one slope per memory tier) with each einsum placed at
 * its operational intensity and achieved throughput. Log-log axes.
 */
export function roofline(id: string, title: string, caption: string, points: Row[], roofs: Row[]): Chart {
  return chart(id, title, caption, points.length, 'layer_1_marks', {
    height: 360,
    layer: [
      {
        data: { values: roofs },
        mark: { type: 'line', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'intensity', type: 'quantitative', scale: { type: 'log' }, title: 'operational intensity (FLOP/B)' },
          y: { field: 'flops', type: 'quantitative', scale: { type: 'log' }, title: 'throughput (FLOP/s)' },
          color: { field: 'roof', type: 'nominal', title: 'roof' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60, tooltip: true },
        encoding: {
          x: { field: 'intensity', type: 'quantitative', scale: { type: 'log' } },
          y: { field: 'flops', type: 'quantitative', scale: { type: 'log' } },
          shape: { field: 'bound', type: 'nominal', title: 'bound' },
          tooltip: [{ field: 'einsum' }, { field: 'intensity', format: ',.3~g' }, { field: 'flops', format: '.3~s' }, { field: 'bound' }],
        },
      },
    ],
  });
}

/** Gantt chart of tensor residency per tier: one bar per stay, spills and reloads marked. */
export function gantt(id: string, title: string, caption: string, rows: Row[], events: Row[]): Chart {
  return chart(id, title, caption, rows.length, 'layer_0_marks', {
    resolve: { scale: { color: 'independent' } },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'tensor', type: 'nominal', sort: null, title: null },
          x: { field: 'start', type: 'quantitative', title: 'step' },
          x2: { field: 'end' },
          color: { field: 'tier', type: 'nominal', scale: { range: ['#9ecae1', '#fdd0a2', '#c7e9c0'] } },
          tooltip: [{ field: 'tensor' }, { field: 'tier' }, { field: 'start' }, { field: 'end' }, { field: 'bytes', format: ',' }],
        },
      },
      {
        data: { values: events },
        mark: { type: 'tick', thickness: 3, tooltip: true },
        encoding: {
          y: { field: 'tensor', type: 'nominal', sort: null },
          x: { field: 'step', type: 'quantitative' },
          color: { field: 'event', type: 'nominal', scale: { domain: ['spill', 'reload'], range: ['#d62728', '#2ca02c'] }, title: 'transfer' },
          tooltip: [{ field: 'tensor' }, { field: 'event' }, { field: 'step' }],
        },
      },
    ],
  });
}

/** SRAM address map over time: one rectangle per placement (step range x address range). */
export function addressMap(id: string, title: string, caption: string, rows: Row[]): Chart {
  return chart(id, title, caption, rows.length, 'marks', {
    height: 300,
    data: { values: rows },
    mark: { type: 'rect', tooltip: true, stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: 'step' },
      x2: { field: 'end' },
      y: { field: 'offset', type: 'quantitative', title: 'SRAM address (bytes)' },
      y2: { field: 'top' },
      color: { field: 'tensor', type: 'nominal', legend: null },
      tooltip: [{ field: 'tensor' }, { field: 'start' }, { field: 'end' }, { field: 'offset', format: ',' }, { field: 'bytes', format: ',' }],
    },
  });
}

/** Predicted against measured on log axes, with the y = x line and a ±10% band. */
export function predictedVsMeasured(id: string, title: string, caption: string, rows: Row[]): Chart {
  const lo = Math.min(...rows.map((r) => Number(r.measured)));
  const hi = Math.max(...rows.map((r) => Number(r.measured)));
  const band = [lo, hi].map((m) => ({ measured: m, low: m * 0.9, high: m * 1.1 }));
  return chart(id, title, caption, rows.length, 'layer_1_marks', {
    height: 420,
    layer: [
      {
        data: { values: band },
        mark: { type: 'area', opacity: 0.15 },
        encoding: {
          x: { field: 'measured', type: 'quantitative', scale: { type: 'log' }, title: 'measured (s)' },
          y: { field: 'low', type: 'quantitative', scale: { type: 'log' }, title: 'predicted (s)' },
          y2: { field: 'high' },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, tooltip: true },
        encoding: {
          x: { field: 'measured', type: 'quantitative', scale: { type: 'log' } },
          y: { field: 'predicted', type: 'quantitative', scale: { type: 'log' } },
          color: { field: 'family', type: 'nominal' },
          shape: { field: 'split', type: 'nominal' },
          tooltip: [{ field: 'id' }, { field: 'family' }, { field: 'split' }, { field: 'measured', format: '.3~s' }, { field: 'predicted', format: '.3~s' }, { field: 'roofline', format: '.3~s' }, { field: 'error', format: '+.1%' }],
        },
      },
    ],
  });
}

/**
 * A sweep's Pareto view: every finished point (x and y on log axes for latency, energy and bytes;
 * the size the third metric when there is one), the front coloured apart and `front` drawn as a line. Each point's
 * tooltip lists its parameters (`tooltip` names the fields, in order).
 */
export function paretoScatter(id: string, title: string, caption: string, rows: Row[], front: Row[], o: { x: string; y: string; xLog: boolean; yLog: boolean; size?: string; tooltip: { field: string; title: string; format?: string }[] }): Chart {
  const scale = (log: boolean) => (log ? { type: 'log', nice: false } : { zero: false, nice: false });
  const [xScale, yScale] = [scale(o.xLog), scale(o.yLog)];
  return chart(id, title, caption, rows.length, 'layer_1_marks', {
    height: 380,
    layer: [
      {
        data: { values: front },
        mark: { type: 'line', interpolate: 'step-after', color: '#d62728', strokeWidth: 1.5 },
        encoding: { x: { field: o.x, type: 'quantitative', scale: xScale }, y: { field: o.y, type: 'quantitative', scale: yScale } },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, opacity: 0.75, tooltip: true },
        encoding: {
          x: { field: o.x, type: 'quantitative', scale: xScale, title: o.x, axis: { format: '~s' } },
          y: { field: o.y, type: 'quantitative', scale: yScale, title: o.y, axis: { format: '~s' } },
          color: { field: 'front', type: 'nominal', scale: { domain: ['on the front', 'dominated'], range: ['#d62728', '#9ecae1'] }, title: null },
          ...(o.size ? { size: { field: o.size, type: 'quantitative', title: o.size, scale: { zero: false, range: [20, 200] } } } : {}),
          order: { field: 'onFront', type: 'quantitative' },
          tooltip: o.tooltip,
        },
      },
    ],
  });
}

/**
 * One metric against each swept parameter: a small panel per parameter, one column per value, with
 * the best, the median and the worst of the metric over every point at that value.
 */
export function metricByParameter(id: string, title: string, caption: string, rows: Row[], metric: string, log: boolean): Chart {
  return chart(id, title, caption, rows.length, 'child_marks', {
    width: undefined,
    data: { values: rows },
    facet: { column: { field: 'parameter', type: 'nominal', sort: { field: 'porder' }, title: null } },
    spec: {
      width: 110,
      height: 160,
      mark: { type: 'point', filled: true, tooltip: true },
      encoding: {
        x: { field: 'value', type: 'ordinal', sort: { field: 'order' }, title: null },
        y: { field: metric, type: 'quantitative', scale: { type: log ? 'log' : 'linear', zero: false }, title: metric, axis: { format: log ? '~s' : '~g' } },
        color: { field: 'stat', type: 'nominal', scale: { domain: ['best', 'median', 'worst'], range: ['#2ca02c', '#555555', '#d62728'] }, title: null },
        tooltip: [{ field: 'parameter' }, { field: 'value' }, { field: 'stat' }, { field: metric, format: log ? '.4~s' : '.4~g' }, { field: 'points' }],
      },
    },
    resolve: { scale: { x: 'independent' } },
  });
}
