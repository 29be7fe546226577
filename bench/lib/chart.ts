import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Charts for benchmark results as SVG text (pure), and a writer that also
 * renders a PNG with resvg. A line chart puts throughput (left axis) and
 * latency (right axis) against offered load; a bar chart compares references.
 */

export interface ChartPoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: ChartPoint[];
  /** Which y axis the series uses. Default left. */
  axis?: 'left' | 'right';
  /** Dashed line (for a reference or a target). */
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Label of the right axis; needed when a series uses it. */
  rightLabel?: string;
  series: LineSeries[];
  width?: number;
  height?: number;
}

export interface BarChartSpec {
  title: string;
  /** Axis label, for example `records per second (log scale)`. */
  valueLabel: string;
  bars: { label: string; value: number; note?: string }[];
  /** Logarithmic value axis, for values several orders of magnitude apart. Default false. */
  log?: boolean;
  width?: number;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const font = 'font-family="DejaVu Sans, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (min === 0 ? 1 : Math.abs(min));
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push(Number(((ticks[ticks.length - 1] ?? 0) + step).toPrecision(12)));
  return ticks;
}

/** 1234567 -> `1.23M`, 15000 -> `15k`, 0.25 -> `0.25`. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const trim = (s: string): string => s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  if (abs >= 1e9) return `${trim((value / 1e9).toFixed(2))}G`;
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(2))}M`;
  if (abs >= 1e3) return `${trim((value / 1e3).toFixed(abs >= 1e5 ? 0 : 1))}k`;
  return trim(value.toFixed(abs >= 10 ? 0 : 2));
}

export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 900;
  // the legend: three series a row under the plot; past two rows the picture grows, the plot keeps its size
  const legendRows = Math.ceil(spec.series.length / 3);
  const extraRows = Math.max(0, legendRows - 2) * 16;
  const height = (spec.height ?? 520) + extraRows;
  const hasRight = spec.series.some((s) => s.axis === 'right');
  const margin = { top: 50, right: hasRight ? 80 : 30, bottom: 90 + extraRows, left: 80 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const xTicks = niceTicks(Math.min(0, ...all.map((p) => p.x)), Math.max(...all.map((p) => p.x), 1));
  const yTicksFor = (axis: 'left' | 'right'): number[] => {
    const ys = spec.series.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.points.map((p) => p.y));
    return niceTicks(0, Math.max(...ys, 1));
  };
  const yTicks = { left: yTicksFor('left'), right: hasRight ? yTicksFor('right') : [0, 1] };
  const xMax = xTicks[xTicks.length - 1] as number;
  const xMin = xTicks[0] as number;
  const sx = (x: number): number => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number, axis: 'left' | 'right'): number => {
    const ticks = yTicks[axis];
    const top = ticks[ticks.length - 1] as number;
    return margin.top + plotH - (y / top) * plotH;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="18" ${font}>${escapeXml(spec.title)}</text>`,
  ];
  for (const t of yTicks.left) {
    const y = sy(t, 'left');
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y + 4}" text-anchor="end" font-size="12" ${font}>${formatNumber(t)}</text>`);
  }
  if (hasRight) {
    for (const t of yTicks.right) parts.push(`<text x="${margin.left + plotW + 8}" y="${sy(t, 'right') + 4}" font-size="12" ${font}>${formatNumber(t)}</text>`);
    parts.push(`<text transform="translate(${width - 18},${margin.top + plotH / 2}) rotate(90)" text-anchor="middle" font-size="13" ${font}>${escapeXml(spec.rightLabel ?? '')}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`);
    parts.push(`<text x="${sx(t)}" y="${margin.top + plotH + 20}" text-anchor="middle" font-size="12" ${font}>${formatNumber(t)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 42}" text-anchor="middle" font-size="13" ${font}>${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(20,${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13" ${font}>${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((series, i) => {
    const color = palette[i % palette.length] as string;
    const axis = series.axis ?? 'left';
    const points = [...series.points].sort((a, b) => a.x - b.x);
    const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y, axis).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="7,5"' : ''}/>`);
    for (const p of points) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y, axis).toFixed(1)}" r="4" fill="${color}"/>`);
    const lx = margin.left + (i % 3) * (plotW / 3);
    const ly = margin.top + plotH + 64 + Math.floor(i / 3) * 16;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="7,5"' : ''}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" font-size="12" ${font}>${escapeXml(series.name + (hasRight ? (axis === 'right' ? ' (right)' : ' (left)') : ''))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 900;
  const barH = 34;
  const margin = { top: 56, right: 150, bottom: 56, left: 230 };
  const height = margin.top + margin.bottom + spec.bars.length * (barH + 14);
  const plotW = width - margin.left - margin.right;
  const max = Math.max(...spec.bars.map((b) => b.value), 1);
  let scale: (v: number) => number;
  let ticks: number[];
  if (spec.log) {
    const positive = spec.bars.map((b) => b.value).filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...positive, max)));
    const hi = 10 ** Math.ceil(Math.log10(max));
    scale = (v) => (v <= lo ? 0 : (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW);
    ticks = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  } else {
    ticks = niceTicks(0, max);
    const top = ticks[ticks.length - 1] as number;
    scale = (v) => (v / top) * plotW;
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="30" text-anchor="middle" font-size="18" ${font}>${escapeXml(spec.title)}</text>`,
  ];
  const bottom = height - margin.bottom;
  for (const t of ticks) {
    const x = margin.left + scale(t);
    parts.push(`<line x1="${x}" x2="${x}" y1="${margin.top - 6}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${bottom + 18}" text-anchor="middle" font-size="12" ${font}>${formatNumber(t)}</text>`);
  }
  spec.bars.forEach((bar, i) => {
    const y = margin.top + i * (barH + 14);
    const w = Math.max(1, scale(bar.value));
    parts.push(`<text x="${margin.left - 10}" y="${y + barH / 2 + 5}" text-anchor="end" font-size="13" ${font}>${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${margin.left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${palette[i % palette.length]}"/>`);
    parts.push(`<text x="${margin.left + w + 8}" y="${y + barH / 2 + 5}" font-size="13" ${font}>${escapeXml(formatNumber(bar.value) + (bar.note ? ` ${bar.note}` : ''))}</text>`);
  });
  parts.push(`<text x="${margin.left + plotW / 2}" y="${bottom + 42}" text-anchor="middle" font-size="13" ${font}>${escapeXml(spec.valueLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes `<base>.svg` and `<base>.png` (rendered with resvg and the system's fonts); returns both paths. */
export async function writeChart(base: string, svg: string): Promise<{ svg: string; png: string }> {
  const { Resvg } = await import('@resvg/resvg-js');
  await mkdir(dirname(base), { recursive: true });
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
  await writeFile(`${base}.svg`, svg);
  await writeFile(`${base}.png`, png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}
