import { css, html, LitElement } from 'lit';

import type { ProbeImages } from '../../../shared/protocol/frames';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import { controlStyles } from './control-styles';
import { drawUnitImage, unitImageAt } from './pixels';

/** Radius of the brush's solid core, in image pixels. */
const BRUSH_CORE = 0.7;
/** Radius at which the brush's soft edge fades to nothing, in image pixels; strokes come out about 2.5 pixels wide, like the datasets' outlines. */
const BRUSH_EDGE = 1.5;
/** Distance between brush stamps along a stroke, in image pixels, so fast strokes have no gaps. */
const STAMP_SPACING = 0.25;

/** Origin of an image: drawn on the pad or copied from a probe image. */
export type DrawSource = 'drawing' | 'probe';

/** Detail of the `image-input` event. */
export interface ImageInputDetail {
  /** The pad's image: 784 values in [0, 1], row-major, bright strokes on black. */
  pixels: Float32Array;
  source: DrawSource;
  /** Description for the explorer's status, such as "your drawing" or "probe image 3 (circle)". */
  label: string;
}

/**
 * A 28×28 canvas, shown large, to draw on with a mouse, pen or finger, so a
 * viewer can encode their own image. Picking a probe image copies it onto the
 * pad, which is also the keyboard's way to get an image to encode.
 *
 * @fires image-input - the image changed, at most once per animation frame while drawing; detail: ImageInputDetail
 */
export class LcDrawPad extends LitElement {
  static override properties = {
    probes: { attribute: false },
    labelNames: { attribute: false },
    disabled: { type: Boolean, reflect: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        gap: 0.6rem;
      }

      canvas {
        display: block;
        justify-self: center;
        box-sizing: border-box;
        width: min(100%, 16rem);
        aspect-ratio: 1;
        border: 1px solid var(--lc-border, #2c3441);
        border-radius: 0.5rem;
        background: #000;
        image-rendering: pixelated;
        cursor: crosshair;
        /* The page must not scroll or zoom while a finger draws. */
        touch-action: none;
      }

      :host([disabled]) canvas {
        cursor: not-allowed;
        opacity: 0.5;
      }

      .controls {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        align-items: end;
        gap: 0.5rem;
      }

      .controls label {
        display: grid;
        gap: 0.25rem;
        font-size: 0.9rem;
      }

      select {
        width: 100%;
      }

      .hint {
        margin: 0;
        font-size: 0.85rem;
        text-align: center;
      }
    `,
  ];

  /** Fixed validation images the host shows, offered as starting points; null offers none. */
  declare probes: ProbeImages | null;
  /** Label names indexed by the probes' labels, from the dataset. */
  declare labelNames: readonly string[];
  /** Disables drawing and the controls, for example while there are no encoder weights yet. */
  declare disabled: boolean;

  private readonly ink: Float32Array;
  private lastPoint: { x: number; y: number } | null;
  private emitFrame: number | null;
  private pendingDetail: ImageInputDetail | null;

  constructor() {
    super();
    this.probes = null;
    this.labelNames = [];
    this.disabled = false;
    this.ink = new Float32Array(IMAGE_PIXELS);
    this.lastPoint = null;
    this.emitFrame = null;
    this.pendingDetail = null;
  }

  /** A copy of the pad's image: 784 values in [0, 1], row-major. */
  get pixels(): Float32Array {
    return this.ink.slice();
  }

  /** Number of pixels with any ink. */
  get inkedPixels(): number {
    return this.ink.reduce((count, value) => count + (value > 0 ? 1 : 0), 0);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.emitFrame !== null) cancelAnimationFrame(this.emitFrame);
    this.emitFrame = null;
  }

  protected override render() {
    return html`
      <canvas
        width=${IMAGE_SIZE}
        height=${IMAGE_SIZE}
        role="img"
        aria-label="Drawing pad of 28 by 28 pixels. Draw with a mouse, pen or finger, or pick a probe image instead."
        data-testid="draw-canvas"
        @pointerdown=${this.onPointerDown}
        @pointermove=${this.onPointerMove}
        @pointerup=${this.onPointerUp}
        @pointercancel=${this.onPointerUp}
      ></canvas>
      <p class="hint muted">Draw with a mouse, pen or finger. The encoder turns your strokes into a latent vector as you draw.</p>
      <div class="controls">
        ${this.renderProbePicker()}
        <button type="button" ?disabled=${this.disabled} data-testid="draw-clear" @click=${this.clear}>Clear</button>
      </div>
    `;
  }

  protected renderProbePicker() {
    const count = this.probes?.count ?? 0;
    return html`<label
      >Or start from a probe image
      <select ?disabled=${this.disabled || count === 0} data-testid="draw-probe" @change=${this.onProbeChange}>
        <option value="">${count === 0 ? 'No probe images yet' : 'Choose…'}</option>
        ${Array.from({ length: count }, (_, index) => html`<option value=${index}>${this.probeLabel(index)}</option>`)}
      </select>
    </label>`;
  }

  protected override firstUpdated(): void {
    this.redraw();
  }

  /** Empties the pad; the explorer keeps its vector until the next stroke. */
  clear(): void {
    this.ink.fill(0);
    this.redraw();
  }

  protected probeLabel(index: number): string {
    const label = this.probes?.labels[index];
    const name = label === undefined ? '' : (this.labelNames[label] ?? `label ${label}`);
    return `Probe ${index + 1}${name ? ` (${name})` : ''}`;
  }

  protected onProbeChange(event: Event): void {
    const select = event.target as HTMLSelectElement;
    if (select.value === '' || this.probes === null) return;
    const index = Number(select.value);
    this.ink.set(unitImageAt(this.probes.images, index));
    this.redraw();
    this.scheduleEmit({ pixels: this.pixels, source: 'probe', label: this.probeLabel(index).toLowerCase() });
  }

  protected onPointerDown(event: PointerEvent): void {
    if (this.disabled || (event.pointerType === 'mouse' && event.button !== 0)) return;
    const canvas = event.currentTarget as HTMLCanvasElement;
    canvas.setPointerCapture(event.pointerId);
    const point = this.toImage(canvas, event);
    this.stamp(point);
    this.lastPoint = point;
    this.afterStroke();
  }

  protected onPointerMove(event: PointerEvent): void {
    if (this.lastPoint === null) return;
    const canvas = event.currentTarget as HTMLCanvasElement;
    // Coalesced events carry every position the pointer passed since the last frame, so curves stay round.
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const sample of events.length > 0 ? events : [event]) {
      const point = this.toImage(canvas, sample);
      this.strokeSegment(this.lastPoint, point);
      this.lastPoint = point;
    }
    this.afterStroke();
  }

  protected onPointerUp(): void {
    this.lastPoint = null;
  }

  protected afterStroke(): void {
    this.redraw();
    this.scheduleEmit({ pixels: this.pixels, source: 'drawing', label: 'your drawing' });
  }

  /** Converts a pointer position to image coordinates, 0 to 28 across the canvas. */
  protected toImage(canvas: HTMLCanvasElement, event: PointerEvent): { x: number; y: number } {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * IMAGE_SIZE, y: ((event.clientY - box.top) / box.height) * IMAGE_SIZE };
  }

  protected strokeSegment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const length = Math.hypot(to.x - from.x, to.y - from.y);
    const stamps = Math.max(1, Math.ceil(length / STAMP_SPACING));
    for (let i = 1; i <= stamps; i++) {
      const t = i / stamps;
      this.stamp({ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t });
    }
  }

  /** Inks the pixels under a round brush with a soft edge; a pixel keeps its brightest value. */
  protected stamp(centre: { x: number; y: number }): void {
    const left = Math.max(0, Math.floor(centre.x - BRUSH_EDGE));
    const right = Math.min(IMAGE_SIZE - 1, Math.ceil(centre.x + BRUSH_EDGE));
    const top = Math.max(0, Math.floor(centre.y - BRUSH_EDGE));
    const bottom = Math.min(IMAGE_SIZE - 1, Math.ceil(centre.y + BRUSH_EDGE));
    for (let row = top; row <= bottom; row++) {
      for (let column = left; column <= right; column++) {
        const distance = Math.hypot(column + 0.5 - centre.x, row + 0.5 - centre.y);
        const value = Math.min(1, Math.max(0, (BRUSH_EDGE - distance) / (BRUSH_EDGE - BRUSH_CORE)));
        const index = row * IMAGE_SIZE + column;
        if (value > this.ink[index]) this.ink[index] = value;
      }
    }
  }

  protected redraw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (canvas) drawUnitImage(canvas, this.ink);
  }

  // A pointer can fire several moves per frame, and the explorer encodes each
  // event it receives, so events are folded into one per animation frame.
  protected scheduleEmit(detail: ImageInputDetail): void {
    this.pendingDetail = detail;
    if (this.emitFrame !== null) return;
    this.emitFrame = requestAnimationFrame(() => {
      this.emitFrame = null;
      const pending = this.pendingDetail;
      this.pendingDetail = null;
      if (pending) this.dispatchEvent(new CustomEvent<ImageInputDetail>('image-input', { detail: pending, bubbles: true }));
    });
  }
}

customElements.define('lc-draw-pad', LcDrawPad);

declare global {
  interface HTMLElementTagNameMap {
    'lc-draw-pad': LcDrawPad;
  }
}
