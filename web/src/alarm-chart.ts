import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AlarmDto } from '../../src/server/protocol.js';
import { alarmSpans, chartData } from './alarm-spans.js';

/**
 * Draws an alarm's metric in `container`: one bar per period, the threshold as a dashed red line, and the
 * spans the alarm was in ALARM shaded red. Returns the plot so the caller can destroy it.
 */
export function drawAlarmChart(container: HTMLElement, alarm: AlarmDto, range: { start: number; end: number }): uPlot {
  const [xs, ys] = chartData(alarm, range);
  const spans = alarmSpans(alarm, range);
  const threshold = alarm.threshold;
  const top = ys.reduce<number>((max, y) => Math.max(max, y ?? max), threshold ?? 0);
  const bottom = ys.reduce<number>((min, y) => Math.min(min, y ?? min), Math.min(0, threshold ?? 0));
  const bars = uPlot.paths.bars?.({ size: [0.8, 30], align: 1 }) as uPlot.Series.PathBuilder;
  const options: uPlot.Options = {
    width: Math.max(280, container.clientWidth),
    height: 130,
    legend: { show: false },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: true, range: () => [range.start, range.end] },
      y: { range: () => [bottom, top > 0 ? top * 1.15 : 1] },
    },
    axes: [{ stroke: '#64748b', grid: { stroke: '#e2e8f0' } }, { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, size: 46 }],
    series: [{}, { label: alarm.metricName, stroke: '#2563eb', fill: '#93c5fd', paths: bars, points: { show: false } }],
    hooks: {
      // ALARM spans under the bars, the threshold over them.
      drawClear: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          ctx.fillStyle = 'rgba(220, 38, 38, 0.12)';
          for (const [from, to] of spans) {
            const left = Math.max(u.bbox.left, u.valToPos(from, 'x', true));
            const right = Math.min(u.bbox.left + u.bbox.width, u.valToPos(to, 'x', true));
            if (right > left) ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
          }
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          if (threshold === null) return;
          const { ctx } = u;
          const y = Math.round(u.valToPos(threshold, 'y', true)) + 0.5;
          ctx.save();
          ctx.strokeStyle = '#dc2626';
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  return new uPlot(options, [xs, ys], container);
}
