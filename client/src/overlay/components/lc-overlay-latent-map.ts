import { css, html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

import { principalComponents, projectCodes } from '../../../../shared/latent/pca';
import type { LatentMap } from '../../../../shared/training';
import type { OverlayTheme } from '../overlay-params';

/** Point colours per label on a dark panel, the latent explorer's palette. */
const DARK_COLORS = ['#58c4ff', '#ff9f43', '#3fdc7e', '#ff6b8b', '#b692ff', '#ffd166', '#2ed3c6', '#f78fd6', '#c3d66b', '#e8edf4'];
/** Point colours per label on a light panel, darker for contrast on white. */
const LIGHT_COLORS = ['#0b6bcb', '#c2410c', '#15803d', '#be123c', '#6d28d9', '#a16207', '#0f766e', '#a21caf', '#4d7c0f', '#334155'];

/** Most labels named in the legend; a dataset with more shows the first ones. */
const MAX_LEGEND_LABELS = 10;

/** Radius of a point at scale 1, in CSS pixels. */
const POINT_RADIUS = 2.5;

/** Space between the points and the canvas edge, in CSS pixels. */
const INSET = 10;

/**
 * A still scatter of the validation images' latent codes, coloured by label:
 * the first two principal components when the latent has more than two
 * dimensions. It decodes nothing and draws only when a new map arrives or
 * the canvas changes size.
 */
export class LcOverlayLatentMap extends LitElement {
  static override properties = {
    map: { attribute: false },
    labelNames: { attribute: false },
    theme: {},
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--lc-text, #eef2f7);
    }

    canvas {
      display: block;
      width: 100%;
      height: var(--lc-latent-map-height, 15rem);
      border-radius: 0.4rem;
      background: var(--lc-map-background, rgba(0, 0, 0, 0.35));
    }

    .caption,
    .empty {
      margin: 0.4rem 0 0;
      color: var(--lc-text-muted, #a9b4c2);
      font-size: 0.85rem;
      font-variant-numeric: tabular-nums;
    }

    .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 0.2rem 0.8rem;
      margin: 0.4rem 0 0;
      padding: 0;
      font-size: 0.85rem;
      list-style: none;
    }

    .legend li {
      display: inline-flex;
      align-items: center;
      gap: 0.3rem;
    }

    .swatch {
      width: 0.65rem;
      height: 0.65rem;
      border-radius: 50%;
      background: var(--swatch);
    }
  `;

  /** Latent codes of validation images; null shows a waiting message. */
  declare map: LatentMap | null;
  /** Label names indexed by the labels in `map`. */
  declare labelNames: readonly string[];
  /** Theme of the panel behind the canvas, which picks the palette. */
  declare theme: OverlayTheme;

  /** Screen-independent coordinates of each code, from `map`. */
  private xs = new Float32Array(0);
  private ys = new Float32Array(0);
  private axisNames: [string, string] = ['z1', 'z2'];
  private resizeObserver: ResizeObserver | null = null;

  constructor() {
    super();
    this.map = null;
    this.labelNames = [];
    this.theme = 'dark';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  // A status frame brings an equal but new label array several times a second; only real changes redraw.
  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    if (changed.size !== 1 || !changed.has('labelNames')) return true;
    const previous = changed.get('labelNames') as readonly string[] | undefined;
    return previous === undefined || previous.join('\n') !== this.labelNames.join('\n');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('map')) this.project();
  }

  protected override render() {
    const map = this.map;
    if (map === null || map.count === 0) return html`<p class="empty">Waiting for the first latent codes…</p>`;
    return html`
      <canvas role="img" aria-label=${this.summaryText(map)} data-points=${map.count}></canvas>
      <p class="caption">Epoch ${map.epoch} · ${map.count} validation codes · ${this.axisNames[0]} across, ${this.axisNames[1]} up</p>
      ${this.renderLegend(map)}
    `;
  }

  protected renderLegend(map: LatentMap) {
    const present = [...new Set(map.labels)].sort((a, b) => a - b);
    if (present.length <= 1) return nothing;
    return html`<ul class="legend" aria-hidden="true">
      ${present
        .slice(0, MAX_LEGEND_LABELS)
        .map((label) => html`<li><span class="swatch" style="--swatch: ${this.labelColor(label)}"></span>${this.labelName(label)}</li>`)}
    </ul>`;
  }

  protected override updated(): void {
    this.draw();
  }

  protected summaryText(map: LatentMap): string {
    return `Latent map of ${map.count} validation codes at epoch ${map.epoch}, ${this.axisNames[0]} across and ${this.axisNames[1]} up, coloured by label.`;
  }

  /** Computes the 2D coordinates once per map. */
  protected project(): void {
    const map = this.map;
    if (map === null || map.count === 0) return;

    if (map.dims > 2) {
      const projected = projectCodes(map.codes, map.count, principalComponents(map.codes, map.count, map.dims));
      this.xs = Float32Array.from({ length: map.count }, (_, i) => projected[2 * i]);
      this.ys = Float32Array.from({ length: map.count }, (_, i) => projected[2 * i + 1]);
      this.axisNames = ['PC 1', 'PC 2'];
      return;
    }
    this.xs = Float32Array.from({ length: map.count }, (_, i) => map.codes[i * map.dims]);
    this.ys = Float32Array.from({ length: map.count }, (_, i) => (map.dims === 2 ? map.codes[i * 2 + 1] : 0));
    this.axisNames = map.dims === 2 ? ['z1', 'z2'] : ['z1', 'nothing'];
  }

  protected draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const map = this.map;
    if (canvas === null || map === null) return;
    const context = canvas.getContext('2d');
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (context === null || width === 0 || height === 0) return;

    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);

    const toScreen = screenTransform(this.xs, this.ys, width, height);
    const radius = POINT_RADIUS * remScale();
    context.globalAlpha = 0.85;
    for (let i = 0; i < map.count; i++) {
      const [x, y] = toScreen(this.xs[i], this.ys[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      context.fillStyle = this.labelColor(map.labels[i]);
      context.beginPath();
      context.arc(x, y, radius, 0, 2 * Math.PI);
      context.fill();
    }
    context.globalAlpha = 1;
  }

  protected labelColor(label: number): string {
    const palette = this.theme === 'light' ? LIGHT_COLORS : DARK_COLORS;
    const lightness = this.theme === 'light' ? 38 : 68;
    return palette[label] ?? `hsl(${Math.round((label * 137.508) % 360)} 70% ${lightness}%)`;
  }

  protected labelName(label: number): string {
    return this.labelNames[label] ?? `label ${label}`;
  }
}

/** Returns a function from data coordinates to canvas pixels that fits every finite point, y up. */
function screenTransform(xs: Float32Array, ys: Float32Array, width: number, height: number): (x: number, y: number) => [number, number] {
  const [minX, maxX] = finiteRange(xs);
  const [minY, maxY] = finiteRange(ys);
  return (x, y) => [
    INSET + ((x - minX) / (maxX - minX)) * (width - 2 * INSET),
    height - INSET - ((y - minY) / (maxY - minY)) * (height - 2 * INSET),
  ];
}

/** Returns the smallest and largest finite value, widened to a unit span when they are (nearly) equal. */
function finiteRange(values: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (!Number.isFinite(min)) return [-1, 1];
  if (max - min < 1e-9) return [min - 0.5, max + 0.5];
  return [min, max];
}

/** Returns the overlay's scale: the root font size over the default 16 px. */
function remScale(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
}

customElements.define('lc-overlay-latent-map', LcOverlayLatentMap);

declare global {
  interface HTMLElementTagNameMap {
    'lc-overlay-latent-map': LcOverlayLatentMap;
  }
}
