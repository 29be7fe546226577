import { barChartSvg, formatNumber, lineChartSvg, niceTicks } from './chart';

describe('charts', () => {
  test('ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 20_000)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(niceTicks(0, 23)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  test('numbers are shortened for axes and labels', () => {
    expect(formatNumber(1_234_567)).toBe('1.23M');
    expect(formatNumber(15_000)).toBe('15k');
    expect(formatNumber(250_000)).toBe('250k');
    expect(formatNumber(0.25)).toBe('0.25');
    expect(formatNumber(42)).toBe('42');
  });

  test('a line chart draws one path per series, with both axes labelled', () => {
    const svg = lineChartSvg({
      title: 'end to end <pipeline>',
      xLabel: 'offered readings/s',
      yLabel: 'achieved readings/s',
      rightLabel: 'p99 latency (ms)',
      series: [
        { name: 'throughput', points: [{ x: 1000, y: 1000 }, { x: 5000, y: 4900 }] },
        { name: 'p99', axis: 'right', points: [{ x: 1000, y: 12 }, { x: 5000, y: 40 }] },
      ],
    });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('end to end &lt;pipeline&gt;');
    expect(svg).toContain('p99 latency (ms)');
    expect(svg).not.toContain('NaN');
  });

  test('a line chart grows to hold its legend: every series named inside the picture', () => {
    const series = Array.from({ length: 7 }, (_, i) => ({ name: `series ${i}`, points: [{ x: 0, y: i }, { x: 10, y: i + 1 }] }));
    const svg = lineChartSvg({ title: 'seven series', xLabel: 'x', yLabel: 'y', series });
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    const lastLabelY = Math.max(...[...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="12"[^>]*>series /g)].map((m) => Number(m[1])));
    expect(lastLabelY).toBeLessThan(height);
    expect(lineChartSvg({ title: 'two series', xLabel: 'x', yLabel: 'y', series: series.slice(0, 2) })).toContain('height="520"');
  });

  test('a bar chart has one bar per value, on a log scale when asked', () => {
    const svg = barChartSvg({ title: 'references', valueLabel: 'records/s', log: true, bars: [{ label: 'redis', value: 1_000_000 }, { label: 'mosquitto', value: 20_000, note: 'msgs/s' }] });
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('20k msgs/s');
    expect(svg).not.toContain('NaN');
  });
});
