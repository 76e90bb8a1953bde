import { css, html, LitElement, nothing, svg } from 'lit';
import type { PropertyValues } from 'lit';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import { describeArchitecture, IMAGE_SIZE_PX, latentLayerIndex, layerRoles, layoutDiagram, sampleUnits } from './network-layout';
import type { DiagramLayout, DiagramOrientation, UnitSlot } from './network-layout';

/** Units drawn per layer before the rest are left out behind a "…". */
const MAX_SHOWN = { horizontal: 12, vertical: 9 } as const;

/** Host widths below this lay the layers out top to bottom, in CSS pixels. */
const VERTICAL_BELOW_PX = 560;

/** Narrowest gap between columns, in CSS pixels, that leaves room for the word "hidden" under each. */
const ROLE_LABEL_MIN_GAP = 56;

/** Share of a layer's strongest activation below which a unit counts as dark. */
const LIT_THRESHOLD = 0.05;

const UNIT_FILL = [22, 27, 34] as const;
const POSITIVE_FILL = [255, 179, 71] as const;
const NEGATIVE_FILL = [88, 166, 255] as const;

/** Roles as the layer labels name them. */
const ROLE_LABELS = { input: 'input', hidden: 'hidden', latent: 'latent', output: 'output' } as const;

/**
 * The autoencoder drawn the way a teacher sketches it on a whiteboard: the
 * input image, a column of units per layer with its unit count, the latent
 * vector in the middle, and the reconstruction. Each unit lights up with its
 * activation for one probe image. Wide layers show an even sample of their
 * units with "…" for the rest. The SVG carries a text description of the
 * architecture for screen readers.
 */
export class LcNetworkDiagram extends LitElement {
  static override properties = {
    layerSizes: { attribute: false },
    activations: { attribute: false },
    inputImage: { attribute: false },
    outputImage: { attribute: false },
    activationLabel: { attribute: 'activation-label' },
    latentIndex: { attribute: false },
    orientation: { state: true },
    width: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--lc-text, #e8edf4);
    }

    figure {
      margin: 0;
    }

    svg {
      display: block;
      width: 100%;
      height: auto;
    }

    .edge {
      stroke: rgba(232, 237, 244, 0.09);
      stroke-width: 1;
    }

    .unit {
      stroke: #5b6678;
      stroke-width: 1.25;
    }

    .latent .unit {
      stroke: #b9a4ff;
      stroke-width: 2;
    }

    text {
      fill: var(--lc-text, #e8edf4);
      font-family: system-ui, sans-serif;
      font-size: 0.75rem;
    }

    .count {
      font-weight: 700;
    }

    .role,
    .group {
      fill: var(--lc-text-muted, #9aa6b5);
    }

    .group {
      font-size: 0.75rem;
      letter-spacing: 0.08em;
      text-transform: uppercase;
    }

    .ellipsis {
      fill: var(--lc-text-muted, #9aa6b5);
      font-size: 1.1rem;
      font-weight: 700;
    }

    image {
      image-rendering: pixelated;
    }

    .frame {
      fill: none;
      stroke: #5b6678;
    }

    figcaption {
      margin: 0.5rem 0 0;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.95rem;
      font-variant-numeric: tabular-nums;
    }
  `;

  /** Unit counts from the input to the output, such as [784, 8, 784]; null shows a waiting message. */
  declare layerSizes: readonly number[] | null;
  /** Activation of every unit of each layer for one image, in layerSizes order; null or a null entry leaves units dark. */
  declare activations: readonly (ArrayLike<number> | null)[] | null;
  /** The image fed to the network, 784 bytes from 0 (black) to 255 (white); null draws an empty frame. */
  declare inputImage: ArrayLike<number> | null;
  /** The network's output for it, 784 bytes from 0 to 255; null draws an empty frame. */
  declare outputImage: ArrayLike<number> | null;
  /** Index in layerSizes of the latent vector; null picks the narrowest layer between the first and the last. */
  declare latentIndex: number | null;
  /** Name of the image that lights the units, such as "probe image 3", shown in the caption; empty when no activations are shown. */
  declare activationLabel: string;
  /** Layout chosen for the host's width. */
  declare protected orientation: DiagramOrientation;
  /** Host width in CSS pixels, which the layout fills. */
  declare protected width: number;

  private resizeObserver: ResizeObserver | null;
  private imageUrls: WeakMap<object, string>;

  constructor() {
    super();
    this.layerSizes = null;
    this.activations = null;
    this.inputImage = null;
    this.outputImage = null;
    this.activationLabel = '';
    this.latentIndex = null;
    this.orientation = 'horizontal';
    this.width = 640;
    this.resizeObserver = null;
    this.imageUrls = new WeakMap();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width <= 0) return;
      this.width = width;
      this.orientation = width < VERTICAL_BELOW_PX ? 'vertical' : 'horizontal';
    });
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  protected override render() {
    const sizes = this.layerSizes;
    if (sizes === null || sizes.length < 2) return html`<p>Waiting for the model…</p>`;

    const slots = sizes.map((units) => sampleUnits(units, MAX_SHOWN[this.orientation]));
    const layout = layoutDiagram(slots, this.orientation, this.width);
    const description = describeArchitecture(sizes, this.latent(sizes));
    const litUnits = this.countLitUnits(slots);
    return html`
      <figure>
        <svg
          viewBox="0 0 ${layout.width} ${layout.height}"
          role="img"
          aria-labelledby="diagram-title diagram-description"
          data-testid="network-diagram"
          data-layers=${sizes.length}
          data-lit-units=${litUnits}
          data-orientation=${this.orientation}
        >
          <title id="diagram-title">Network diagram</title>
          <desc id="diagram-description">${description}${this.activationText()}</desc>
          ${this.renderEdges(slots, layout)} ${this.renderGroups(layout)} ${this.renderLayers(slots, layout)} ${this.renderImages(layout)}
        </svg>
        <figcaption data-testid="network-caption">${sizes.join(' → ')}${this.activationLabel ? ` · lit by ${this.activationLabel}` : ''}</figcaption>
      </figure>
    `;
  }

  protected activationText(): string {
    return this.activationLabel && this.activations ? ` Each unit is as bright as its activation for ${this.activationLabel}.` : '';
  }

  protected renderEdges(slots: readonly UnitSlot[][], layout: DiagramLayout) {
    const lines = [];
    for (let l = 0; l + 1 < slots.length; l++) {
      for (let a = 0; a < slots[l].length; a++) {
        if (slots[l][a] === null) continue;
        for (let b = 0; b < slots[l + 1].length; b++) {
          if (slots[l + 1][b] === null) continue;
          const from = layout.units[l][a];
          const to = layout.units[l + 1][b];
          lines.push(svg`<line class="edge" x1=${from.x} y1=${from.y} x2=${to.x} y2=${to.y}></line>`);
        }
      }
    }
    return svg`<g aria-hidden="true">${lines}</g>`;
  }

  /** Names the encoder and the decoder above their layers; the vertical layout leaves them to the caption. */
  protected renderGroups(layout: DiagramLayout) {
    if (this.orientation === 'vertical' || this.layerSizes === null) return nothing;
    const latent = this.latent(this.layerSizes);
    const centre = (from: number, to: number) => (layout.labels[from].x + layout.labels[to].x) / 2;
    const last = this.layerSizes.length - 1;
    return svg`
      <text class="group" x=${centre(0, latent)} y="14" text-anchor="middle">encoder</text>
      <text class="group" x=${centre(latent, last)} y="14" text-anchor="middle">decoder</text>
    `;
  }

  protected renderLayers(slots: readonly UnitSlot[][], layout: DiagramLayout) {
    const roles = layerRoles(this.layerSizes!, this.latent(this.layerSizes!));
    return slots.map((layerSlots, l) => {
      const brightness = this.layerBrightness(l);
      const units = layerSlots.map((slot, u) => {
        const centre = layout.units[l][u];
        if (slot === null) {
          const glyph = this.orientation === 'horizontal' ? '⋮' : '…';
          return svg`<text class="ellipsis" x=${centre.x} y=${centre.y + 6} text-anchor="middle">${glyph}</text>`;
        }
        return svg`<circle class="unit" cx=${centre.x} cy=${centre.y} r=${layout.radius} fill=${unitFill(brightness?.(slot) ?? 0)}></circle>`;
      });
      return svg`<g class=${roles[l]}>${units}${this.renderLabel(l, roles[l], layout)}</g>`;
    });
  }

  protected renderLabel(layer: number, role: keyof typeof ROLE_LABELS, layout: DiagramLayout) {
    const position = layout.labels[layer];
    const count = this.layerSizes![layer];
    if (this.orientation === 'horizontal') {
      // Crowded columns keep their counts and drop "hidden", which the input, latent and output labels imply.
      const gap = layout.labels.length > 1 ? layout.labels[1].x - layout.labels[0].x : Infinity;
      const showRole = role !== 'hidden' || gap >= ROLE_LABEL_MIN_GAP;
      return svg`
        <text class="count" x=${position.x} y=${position.y} text-anchor="middle">${count}</text>
        ${showRole ? svg`<text class="role" x=${position.x} y=${position.y + 16} text-anchor="middle">${ROLE_LABELS[role]}</text>` : nothing}
      `;
    }
    return svg`
      <text class="count" x=${position.x} y=${position.y - 1} text-anchor="end">${count}</text>
      <text class="role" x=${position.x} y=${position.y + 14} text-anchor="end">${ROLE_LABELS[role]}</text>
    `;
  }

  /** Returns the latent layer's index: latentIndex when it lies between the first and the last layer, otherwise the narrowest such layer. */
  protected latent(sizes: readonly number[]): number {
    const index = this.latentIndex;
    return index !== null && index > 0 && index < sizes.length - 1 ? index : latentLayerIndex(sizes);
  }

  /** Draws the input image before the first layer and the output image after the last one. */
  protected renderImages(layout: DiagramLayout) {
    const size = IMAGE_SIZE_PX;
    const first = layout.units[0];
    const last = layout.units[layout.units.length - 1];
    const middle = (points: readonly { x: number; y: number }[]) => points.reduce((sum, p) => sum + (this.orientation === 'horizontal' ? p.y : p.x), 0) / points.length;
    const place = (points: readonly { x: number; y: number }[], before: boolean) =>
      this.orientation === 'horizontal'
        ? { x: before ? points[0].x - size - 20 : points[0].x + 20, y: middle(points) - size / 2 }
        : { x: middle(points) - size / 2, y: before ? points[0].y - size - 20 : points[0].y + 20 };

    return [
      this.renderImage(this.inputImage, place(first, true), size, 'input image'),
      this.renderImage(this.outputImage, place(last, false), size, 'reconstruction'),
    ];
  }

  protected renderImage(pixels: ArrayLike<number> | null, at: { x: number; y: number }, size: number, title: string) {
    const url = pixels === null ? null : this.imageUrl(pixels);
    return svg`
      <g aria-hidden="true">
        ${url === null ? nothing : svg`<image href=${url} x=${at.x} y=${at.y} width=${size} height=${size}><title>${title}</title></image>`}
        <rect class="frame" x=${at.x} y=${at.y} width=${size} height=${size}></rect>
      </g>
    `;
  }

  /** Returns a function from unit index to brightness in [−1, 1], scaled to the layer's strongest activation, or null without activations. */
  protected layerBrightness(layer: number): ((unit: number) => number) | null {
    const values = this.activations?.[layer];
    if (!values || values.length === 0) return null;
    let strongest = 0;
    for (let i = 0; i < values.length; i++) strongest = Math.max(strongest, Math.abs(values[i]));
    if (!(strongest > 0)) return () => 0;
    return (unit) => (unit < values.length ? values[unit] / strongest : 0);
  }

  protected countLitUnits(slots: readonly UnitSlot[][]): number {
    let lit = 0;
    slots.forEach((layerSlots, l) => {
      const brightness = this.layerBrightness(l);
      if (brightness === null) return;
      for (const slot of layerSlots) if (slot !== null && Math.abs(brightness(slot)) > LIT_THRESHOLD) lit++;
    });
    return lit;
  }

  /** Returns a PNG data URL of a 28×28 grayscale image, made once per pixel array. */
  protected imageUrl(pixels: ArrayLike<number>): string | null {
    const cached = this.imageUrls.get(pixels as object);
    if (cached !== undefined) return cached;
    if (pixels.length !== IMAGE_PIXELS) return null;

    const canvas = document.createElement('canvas');
    canvas.width = IMAGE_SIZE;
    canvas.height = IMAGE_SIZE;
    const context = canvas.getContext('2d');
    if (context === null) return null;
    const image = context.createImageData(IMAGE_SIZE, IMAGE_SIZE);
    for (let i = 0; i < IMAGE_PIXELS; i++) image.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
    context.putImageData(image, 0, 0);
    const url = canvas.toDataURL('image/png');
    this.imageUrls.set(pixels as object, url);
    return url;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('layerSizes') && this.layerSizes !== null && this.activations !== null && this.activations.length !== this.layerSizes.length) {
      console.warn(`latentcast: ${this.activations.length} activation layers do not match ${this.layerSizes.length} layer sizes; the units stay dark`);
    }
  }
}

/** Returns the fill of a unit with brightness `value` in [−1, 1]: dark at 0, amber when positive, blue when negative. */
function unitFill(value: number): string {
  const target = value >= 0 ? POSITIVE_FILL : NEGATIVE_FILL;
  const share = Math.min(1, Math.abs(value));
  const channel = (c: number) => Math.round(UNIT_FILL[c] + (target[c] - UNIT_FILL[c]) * share);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

customElements.define('lc-network-diagram', LcNetworkDiagram);

declare global {
  interface HTMLElementTagNameMap {
    'lc-network-diagram': LcNetworkDiagram;
  }
}
