import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import { principalComponents, projectCodes, projectVector } from '../../../shared/latent/pca';
import type { PrincipalComponents } from '../../../shared/latent/pca';
import type { LatentMap } from '../../../shared/training';
import { controlStyles } from './control-styles';

/**
 * Point colours per label, chosen to stay apart from each other on the dark
 * page. Labels past the tenth get hues spaced by the golden angle.
 */
const LABEL_COLORS = ['#58c4ff', '#ff9f43', '#3fdc7e', '#ff6b8b', '#b692ff', '#ffd166', '#2ed3c6', '#f78fd6', '#c3d66b', '#e8edf4'];

/** Radius of a point, in CSS pixels. */
const POINT_RADIUS = 3;
/** Farthest a click may land from a point and still pick it, in CSS pixels. */
const PICK_DISTANCE = 14;
/** Space between the plot area and the canvas edge, in CSS pixels. */
const PLOT_INSET = 14;

/** Detail of the `latent-pick` event. */
export interface LatentPickDetail {
  /** The validation code picked, one value per latent dimension. */
  z: number[];
  /** Description of the point, such as "circle (validation image 12)". */
  label: string;
}

/**
 * Value shown on one axis: `pcN` is principal component N of the codes, `zN`
 * latent dimension N (both from 1), and `none` a constant 0 for a latent of
 * one dimension.
 */
type AxisKey = string;

/**
 * A 2D scatter of the validation images' latent codes, coloured by label.
 * With more than two dimensions it shows the first two principal components
 * by default; either axis can show any component or dimension instead. The
 * current vector appears as a ring.
 *
 * A click loads the nearest code. From the keyboard, arrow keys move a focus
 * ring to the nearest point in that direction and Enter loads it.
 *
 * @fires latent-pick - a code was chosen to explore; detail: LatentPickDetail
 */
export class LcLatentMap extends LitElement {
  static override properties = {
    map: { attribute: false },
    labelNames: { attribute: false },
    current: { attribute: false },
    xAxis: { state: true },
    yAxis: { state: true },
    focusedIndex: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      .axes {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        margin-bottom: 0.6rem;
      }

      .axes label {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.9rem;
      }

      canvas {
        display: block;
        width: 100%;
        height: var(--lc-latent-map-height, 18rem);
        border-radius: 0.5rem;
        background: var(--lc-bg, #0d1117);
        cursor: crosshair;
        touch-action: manipulation;
      }

      .caption {
        margin: 0.5rem 0 0;
        font-size: 0.85rem;
        font-variant-numeric: tabular-nums;
      }

      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.9rem;
        margin: 0.5rem 0 0;
        padding: 0;
        font-size: 0.85rem;
        list-style: none;
      }

      .legend li {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }

      .swatch {
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 50%;
        background: var(--swatch);
      }

      .empty {
        margin: 0;
        padding: 2rem 0;
        text-align: center;
      }
    `,
  ];

  /** Latent codes of validation images, replaced once per epoch; null shows a waiting message. */
  declare map: LatentMap | null;
  /** Label names indexed by the labels in `map`, from the dataset. */
  declare labelNames: readonly string[];
  /** Vector the explorer shows, drawn as a ring; null draws none. */
  declare current: readonly number[] | null;
  /** Value on the horizontal axis. */
  declare protected xAxis: AxisKey;
  /** Value on the vertical axis. */
  declare protected yAxis: AxisKey;
  /** Index of the code with the keyboard focus ring; null before the first arrow key. */
  declare protected focusedIndex: number | null;

  private pca: PrincipalComponents | null;
  /** Horizontal and vertical coordinate of each code, in data units, for the current axes. */
  private xs: Float32Array;
  private ys: Float32Array;
  private bounds: { minX: number; maxX: number; minY: number; maxY: number };
  private resizeObserver: ResizeObserver | null;

  constructor() {
    super();
    this.map = null;
    this.labelNames = [];
    this.current = null;
    this.xAxis = 'pc1';
    this.yAxis = 'pc2';
    this.focusedIndex = null;
    this.pca = null;
    this.xs = new Float32Array(0);
    this.ys = new Float32Array(0);
    this.bounds = { minX: -1, maxX: 1, minY: -1, maxY: 1 };
    this.resizeObserver = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The canvas backing store follows the element's size, so a resize redraws at full sharpness.
    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('map')) this.prepareMap();
    if (changed.has('map') || changed.has('xAxis') || changed.has('yAxis')) this.projectPoints();
  }

  protected override render() {
    const map = this.map;
    if (map === null || map.count === 0) {
      return html`<p class="empty muted" data-testid="latent-map-empty">Waiting for the first latent codes…</p>`;
    }
    return html`
      ${this.renderAxisPickers(map)}
      <canvas
        tabindex="0"
        role="application"
        aria-roledescription="scatter plot"
        aria-label=${this.summaryText(map)}
        data-testid="latent-map-canvas"
        data-points=${map.count}
        @click=${this.onClick}
        @keydown=${this.onKeyDown}
      ></canvas>
      <p class="visually-hidden" role="status" aria-live="polite">${this.focusText()}</p>
      <p class="caption muted">${this.captionText(map)}</p>
      ${this.renderLegend(map)}
    `;
  }

  protected renderAxisPickers(map: LatentMap) {
    const options = axisOptions(map.dims);
    const picker = (label: string, value: AxisKey, onChange: (key: AxisKey) => void) => html`
      <label
        >${label}
        <select @change=${(event: Event) => onChange((event.target as HTMLSelectElement).value)}>
          ${options.map((key) => html`<option value=${key} ?selected=${key === value}>${axisName(key)}</option>`)}
        </select>
      </label>
    `;
    return html`<div class="axes">
      ${picker('Horizontal', this.xAxis, (key) => (this.xAxis = key))} ${picker('Vertical', this.yAxis, (key) => (this.yAxis = key))}
    </div>`;
  }

  protected renderLegend(map: LatentMap) {
    const present = [...new Set(map.labels)].sort((a, b) => a - b);
    return html`<ul class="legend" aria-label="Label colours">
      ${present.map((label) => html`<li><span class="swatch" style="--swatch: ${labelColor(label)}"></span>${this.labelName(label)}</li>`)}
    </ul>`;
  }

  protected captionText(map: LatentMap): string {
    const parts = [`Epoch ${map.epoch}`, `${map.count} validation codes`];
    const explained = this.explainedText();
    if (explained) parts.push(explained);
    return parts.join(' · ');
  }

  protected summaryText(map: LatentMap): string {
    const present = [...new Set(map.labels)].map((label) => this.labelName(label));
    const explained = this.explainedText();
    return (
      `Latent map of ${map.count} validation codes at epoch ${map.epoch}, ${axisName(this.xAxis)} across and ${axisName(this.yAxis)} up` +
      `${explained ? ` (${explained})` : ''}, coloured by label: ${present.join(', ')}. ` +
      'Arrow keys move between points and Enter loads the focused point.'
    );
  }

  protected focusText(): string {
    const map = this.map;
    const index = this.focusedIndex;
    if (map === null || index === null || index >= map.count) return '';
    return `${this.pointLabel(index)}, point ${index + 1} of ${map.count}: ${axisName(this.xAxis)} ${this.xs[index].toFixed(2)}, ${axisName(this.yAxis)} ${this.ys[index].toFixed(2)}.`;
  }

  protected override updated(): void {
    this.draw();
  }

  /** Computes the principal components once per map, when the latent has more than two dimensions, and resets axes that no longer exist. */
  protected prepareMap(): void {
    const map = this.map;
    this.pca = null;
    if (this.focusedIndex !== null && (map === null || this.focusedIndex >= map.count)) this.focusedIndex = null;
    if (map === null || map.count === 0) return;

    if (map.dims > 2) this.pca = principalComponents(map.codes, map.count, map.dims);
    const options = axisOptions(map.dims);
    if (!options.includes(this.xAxis) || !options.includes(this.yAxis)) {
      this.xAxis = options[0];
      this.yAxis = options[1] ?? options[0];
    }
  }

  protected projectPoints(): void {
    const map = this.map;
    if (map === null || map.count === 0) return;
    const projected = this.pca ? projectCodes(map.codes, map.count, this.pca) : null;
    this.xs = Float32Array.from({ length: map.count }, (_, i) => this.axisValue(this.xAxis, map.codes.subarray(i * map.dims, (i + 1) * map.dims), projected, i));
    this.ys = Float32Array.from({ length: map.count }, (_, i) => this.axisValue(this.yAxis, map.codes.subarray(i * map.dims, (i + 1) * map.dims), projected, i));
    this.bounds = paddedBounds(this.xs, this.ys);
  }

  /** Returns a code's coordinate on an axis; `projected` contains the codes' first two principal coordinates, if computed. */
  protected axisValue(key: AxisKey, code: ArrayLike<number>, projected: Float32Array | null, index: number): number {
    const axis = parseAxis(key);
    if (axis.kind === 'none') return 0;
    if (axis.kind === 'z') return code[axis.index];
    if (projected !== null && index >= 0) return projected[index * 2 + axis.index];
    return this.pca ? projectVector(code, this.pca)[axis.index] : 0;
  }

  protected explainedText(): string {
    if (this.pca === null || !this.xAxis.startsWith('pc') || !this.yAxis.startsWith('pc') || this.xAxis === this.yAxis) return '';
    const share = (this.pca.variances[0] + this.pca.variances[1]) / this.pca.totalVariance;
    if (!Number.isFinite(share)) return '';
    return `PC 1 and PC 2 explain ${Math.round(share * 100)}% of the variance`;
  }

  protected labelName(label: number): string {
    return this.labelNames[label] ?? `label ${label}`;
  }

  protected pointLabel(index: number): string {
    return `${this.labelName(this.map?.labels[index] ?? 0)} (validation image ${index + 1})`;
  }

  // Drawing ------------------------------------------------------------------

  protected draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const map = this.map;
    if (canvas === null || map === null) return;
    const context = canvas.getContext('2d');
    if (context === null) return;

    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);

    this.drawAxes(context, width, height);
    this.drawPoints(context, map, width, height);
    this.drawCurrent(context, map, width, height);
    this.drawFocus(context, width, height);
  }

  protected drawAxes(context: CanvasRenderingContext2D, width: number, height: number): void {
    context.strokeStyle = 'rgba(154, 166, 181, 0.25)';
    context.lineWidth = 1;
    const [zeroX, zeroY] = this.toScreen(0, 0, width, height);
    context.beginPath();
    if (zeroX > PLOT_INSET && zeroX < width - PLOT_INSET) {
      context.moveTo(zeroX, PLOT_INSET);
      context.lineTo(zeroX, height - PLOT_INSET);
    }
    if (zeroY > PLOT_INSET && zeroY < height - PLOT_INSET) {
      context.moveTo(PLOT_INSET, zeroY);
      context.lineTo(width - PLOT_INSET, zeroY);
    }
    context.stroke();

    context.fillStyle = 'rgba(154, 166, 181, 0.85)';
    context.font = '12px system-ui, sans-serif';
    context.textAlign = 'right';
    context.fillText(`${axisName(this.xAxis)} →`, width - 6, height - 6);
    context.textAlign = 'left';
    context.fillText(`↑ ${axisName(this.yAxis)}`, 6, 14);
  }

  protected drawPoints(context: CanvasRenderingContext2D, map: LatentMap, width: number, height: number): void {
    context.globalAlpha = 0.8;
    for (let i = 0; i < map.count; i++) {
      const [x, y] = this.toScreen(this.xs[i], this.ys[i], width, height);
      context.fillStyle = labelColor(map.labels[i]);
      context.beginPath();
      context.arc(x, y, POINT_RADIUS, 0, 2 * Math.PI);
      context.fill();
    }
    context.globalAlpha = 1;
  }

  protected drawCurrent(context: CanvasRenderingContext2D, map: LatentMap, width: number, height: number): void {
    const current = this.current;
    if (current === null || current.length !== map.dims) return;
    const [x, y] = this.toScreen(this.axisValue(this.xAxis, current, null, -1), this.axisValue(this.yAxis, current, null, -1), width, height);
    const clampedX = Math.min(width - PLOT_INSET / 2, Math.max(PLOT_INSET / 2, x));
    const clampedY = Math.min(height - PLOT_INSET / 2, Math.max(PLOT_INSET / 2, y));

    context.lineWidth = 4;
    context.strokeStyle = 'rgba(13, 17, 23, 0.9)';
    context.beginPath();
    context.arc(clampedX, clampedY, 8, 0, 2 * Math.PI);
    context.stroke();
    context.lineWidth = 2;
    context.strokeStyle = '#ffffff';
    context.stroke();
  }

  protected drawFocus(context: CanvasRenderingContext2D, width: number, height: number): void {
    const index = this.focusedIndex;
    if (index === null || index >= this.xs.length) return;
    const [x, y] = this.toScreen(this.xs[index], this.ys[index], width, height);
    context.lineWidth = 2;
    context.strokeStyle = '#ffd166';
    context.setLineDash([3, 2]);
    context.beginPath();
    context.arc(x, y, 7, 0, 2 * Math.PI);
    context.stroke();
    context.setLineDash([]);
  }

  protected toScreen(x: number, y: number, width: number, height: number): [number, number] {
    const { minX, maxX, minY, maxY } = this.bounds;
    const screenX = PLOT_INSET + ((x - minX) / (maxX - minX)) * (width - 2 * PLOT_INSET);
    const screenY = height - PLOT_INSET - ((y - minY) / (maxY - minY)) * (height - 2 * PLOT_INSET);
    return [screenX, screenY];
  }

  /** Screen positions of every code, in CSS pixels of the canvas. */
  protected screenPoints(): { x: number; y: number }[] {
    const canvas = this.renderRoot.querySelector('canvas');
    const width = canvas?.clientWidth ?? 0;
    const height = canvas?.clientHeight ?? 0;
    return Array.from(this.xs, (value, i) => {
      const [x, y] = this.toScreen(value, this.ys[i], width, height);
      return { x, y };
    });
  }

  // Input --------------------------------------------------------------------

  protected onClick(event: MouseEvent): void {
    const canvas = event.currentTarget as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    const nearest = nearestPoint(this.screenPoints(), event.clientX - box.left, event.clientY - box.top);
    if (nearest === null || nearest.distance > PICK_DISTANCE) return;
    this.focusedIndex = nearest.index;
    this.pick(nearest.index);
  }

  protected onKeyDown(event: KeyboardEvent): void {
    const directions: Record<string, [number, number]> = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const direction = directions[event.key];
    if (direction) {
      event.preventDefault();
      this.moveFocus(direction);
      return;
    }
    if ((event.key === 'Enter' || event.key === ' ') && this.focusedIndex !== null) {
      event.preventDefault();
      this.pick(this.focusedIndex);
    }
    if (event.key === 'Escape') this.focusedIndex = null;
  }

  /**
   * Moves the focus ring to the nearest point within 60° of `direction`
   * (screen x to the right, y down). The first press focuses the point nearest the centre.
   */
  protected moveFocus([dx, dy]: [number, number]): void {
    const points = this.screenPoints();
    if (points.length === 0) return;
    if (this.focusedIndex === null) {
      const canvas = this.renderRoot.querySelector('canvas');
      this.focusedIndex = nearestPoint(points, (canvas?.clientWidth ?? 0) / 2, (canvas?.clientHeight ?? 0) / 2)?.index ?? 0;
      return;
    }

    const from = points[this.focusedIndex];
    let best: number | null = null;
    let bestScore = Infinity;
    points.forEach((point, index) => {
      const along = (point.x - from.x) * dx + (point.y - from.y) * dy;
      const across = Math.abs((point.x - from.x) * dy - (point.y - from.y) * dx);
      // Points on top of each other (along = 0) are skipped, so a press always moves.
      if (along <= 0 || across > along * Math.tan(Math.PI / 3)) return;
      const score = along + 2 * across;
      if (score < bestScore) {
        bestScore = score;
        best = index;
      }
    });
    if (best !== null) this.focusedIndex = best;
  }

  protected pick(index: number): void {
    const map = this.map;
    if (map === null) return;
    const z = Array.from(map.codes.subarray(index * map.dims, (index + 1) * map.dims));
    this.dispatchEvent(new CustomEvent<LatentPickDetail>('latent-pick', { detail: { z, label: this.pointLabel(index) }, bubbles: true }));
  }
}

/** Returns the axes a latent of `dims` dimensions can show: principal components first when there are more than two dimensions. */
function axisOptions(dims: number): AxisKey[] {
  const dimensions = Array.from({ length: dims }, (_, d) => `z${d + 1}`);
  if (dims > 2) return ['pc1', 'pc2', ...dimensions];
  if (dims === 1) return ['z1', 'none'];
  return dimensions;
}

/** Splits an axis key into its kind and its index from 0. */
function parseAxis(key: AxisKey): { kind: 'pc' | 'z' | 'none'; index: number } {
  if (key.startsWith('pc')) return { kind: 'pc', index: Number(key.slice(2)) - 1 };
  if (key.startsWith('z')) return { kind: 'z', index: Number(key.slice(1)) - 1 };
  return { kind: 'none', index: 0 };
}

function axisName(key: AxisKey): string {
  if (key === 'none') return 'nothing';
  return key.startsWith('pc') ? `PC ${key.slice(2)}` : key;
}

function labelColor(label: number): string {
  return LABEL_COLORS[label] ?? `hsl(${Math.round((label * 137.508) % 360)} 75% 65%)`;
}

/** Returns the bounds of the points with 5% padding, and a unit span around a coordinate that does not vary. */
function paddedBounds(xs: Float32Array, ys: Float32Array) {
  const span = (values: Float32Array): [number, number] => {
    let min = Infinity;
    let max = -Infinity;
    for (const value of values) {
      if (!Number.isFinite(value)) continue;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    if (!Number.isFinite(min)) return [-1, 1];
    if (max - min < 1e-9) return [min - 0.5, max + 0.5];
    const pad = (max - min) * 0.05;
    return [min - pad, max + pad];
  };
  const [minX, maxX] = span(xs);
  const [minY, maxY] = span(ys);
  return { minX, maxX, minY, maxY };
}

function nearestPoint(points: readonly { x: number; y: number }[], x: number, y: number): { index: number; distance: number } | null {
  let nearest: { index: number; distance: number } | null = null;
  points.forEach((point, index) => {
    const distance = Math.hypot(point.x - x, point.y - y);
    if (nearest === null || distance < nearest.distance) nearest = { index, distance };
  });
  return nearest;
}

customElements.define('lc-latent-map', LcLatentMap);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-map': LcLatentMap;
  }
}
