import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistogramResponse } from '../../src/server/protocol.js';

/** The traffic-over-time chart: flows per bucket (rejected in red); dragging selects a time window. */
export class Timeline {
  private plot: uPlot | undefined;
  private data: HistogramResponse | undefined;
  private settingSelection = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly onWindow: (window: { start: number; end: number } | undefined) => void,
  ) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(container);
  }

  /** Draws a histogram, keeping the selected window highlighted. */
  render(histogram: HistogramResponse, window: { start: number; end: number } | undefined): void {
    this.data = histogram;
    const xs = histogram.buckets.map((b) => b.t);
    const accepted = histogram.buckets.map((b) => b.flows - b.rejected);
    const rejected = histogram.buckets.map((b) => b.rejected);
    const bars = uPlot.paths.bars?.({ size: [0.9, 40], align: 1 }) as uPlot.Series.PathBuilder;
    const options: uPlot.Options = {
      ...this.size(),
      legend: { show: false },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + histogram.bucketSeconds] } },
      axes: [{ stroke: '#64748b', grid: { stroke: '#e2e8f0' } }, { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, size: 50 }],
      series: [
        {},
        { label: 'accepted flows', stroke: '#64748b', fill: '#94a3b8', paths: bars, points: { show: false } },
        { label: 'rejected flows', stroke: '#dc2626', fill: '#f87171', paths: bars, points: { show: false } },
      ],
      hooks: {
        setSelect: [(u) => this.selected(u)],
      },
    };
    this.plot?.destroy();
    this.plot = new uPlot(options, [xs, accepted, rejected], this.container);
    if (window) this.showWindow(window);
  }

  private selected(u: uPlot): void {
    if (this.settingSelection || !this.data) return;
    if (u.select.width < 2) {
      this.onWindow(undefined);
      return;
    }
    const start = Math.floor(u.posToVal(u.select.left, 'x'));
    const end = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
    this.onWindow({ start, end });
  }

  private showWindow(window: { start: number; end: number }): void {
    const u = this.plot;
    if (!u) return;
    const left = u.valToPos(window.start, 'x');
    const right = u.valToPos(window.end, 'x');
    this.settingSelection = true;
    u.setSelect({ left, top: 0, width: Math.max(2, right - left), height: u.over.clientHeight }, false);
    this.settingSelection = false;
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.container.clientWidth), height: Math.max(80, this.container.clientHeight || 110) };
  }
}
