import type { NodeLabelDrawingFunction } from 'sigma/rendering';

/** A label's rectangle on the labels canvas (CSS pixels). */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Candidate {
  node: string;
  label: string;
  x: number;
  y: number;
  size: number;
  color: string;
  priority: number;
}

/**
 * Draws node labels without overlaps. Sigma's label grid only caps labels per cell and draws forced labels
 * regardless, so where nodes crowd, long names run over each other. Sigma hands every label it would draw to
 * `draw` (its `defaultDrawNodeLabel`); `flush` then draws them after the frame, highest priority first
 * (the highlighted node, then named nodes, then bigger nodes) and leaves out any that would touch one already drawn.
 */
export class LabelPlacer {
  /** The labels of the last frame, as drawn. */
  drawn: { node: string; box: LabelBox }[] = [];
  private candidates: Candidate[] = [];
  private font = '';
  private fontSize = 12;

  /** The drawing function sigma calls per label: it only collects. */
  readonly draw: NodeLabelDrawingFunction = (_context, data, settings) => {
    if (!data.label) return;
    this.font = `${settings.labelWeight} ${settings.labelSize}px ${settings.labelFont}`;
    this.fontSize = settings.labelSize;
    const extra = data as unknown as { key?: string; highlighted?: boolean; zIndex?: number };
    this.candidates.push({
      node: extra.key ?? data.label,
      label: data.label,
      x: data.x + data.size + 3,
      y: data.y,
      size: data.size,
      color: settings.labelColor.color ?? '#000',
      priority: (extra.highlighted ? 1e6 : 0) + (extra.zIndex ?? 0) * 1e3 + data.size,
    });
  };

  /** Forgets the previous frame's candidates (sigma's `beforeRender`). */
  reset(): void {
    this.candidates = [];
  }

  /** Draws the frame's labels that fit (sigma's `afterRender`); a frame without label pass keeps the last list. */
  flush(context: CanvasRenderingContext2D): void {
    if (this.candidates.length === 0) return;
    const candidates = this.candidates.sort((a, b) => b.priority - a.priority);
    this.candidates = [];
    context.font = this.font;
    const gap = 2;
    const placed: { node: string; box: LabelBox }[] = [];
    for (const candidate of candidates) {
      const box = { x: candidate.x, y: candidate.y - this.fontSize * 0.75, width: context.measureText(candidate.label).width, height: this.fontSize };
      if (placed.some((p) => overlaps(p.box, box, gap))) continue;
      placed.push({ node: candidate.node, box });
      context.fillStyle = candidate.color;
      context.fillText(candidate.label, candidate.x, candidate.y + this.fontSize / 3);
    }
    this.drawn = placed;
  }
}

function overlaps(a: LabelBox, b: LabelBox, gap: number): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}
