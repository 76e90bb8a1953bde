import { css, html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import type { ReconstructionSet } from '../../../shared/training';

/**
 * Probe images next to the model's reconstructions of them, one
 * "input | output" pair per cell, drawn pixel for pixel and scaled up by CSS.
 * The CSS property `--lc-recon-pair-min-width` sets the narrowest a pair may
 * get before the grid moves to fewer pairs per row.
 */
export class LcReconGrid extends LitElement {
  static override properties = {
    reconstructions: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
      container-type: inline-size;
      color: var(--lc-text, #e8edf4);
    }

    figure {
      margin: 0;
    }

    .caption {
      margin: 0 0 0.75rem;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.95rem;
      font-variant-numeric: tabular-nums;
    }

    /* As many pairs per row as fit at --lc-recon-pair-min-width (default 8.5rem) or more each. */
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, var(--lc-recon-pair-min-width, 8.5rem)), 1fr));
      gap: 0.75rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }

    .pair {
      display: grid;
      grid-template-columns: 1fr 1fr;
      gap: 3px;
      padding: 3px;
      border-radius: 0.4rem;
      background: var(--lc-surface-raised, #232a35);
    }

    canvas {
      display: block;
      width: 100%;
      aspect-ratio: 1;
      background: #000;
      image-rendering: pixelated;
    }

    .key {
      display: flex;
      gap: 1.25rem;
      margin-top: 0.75rem;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.85rem;
    }
  `;

  /** Latest probe images and reconstructions; null shows a waiting message. */
  declare reconstructions: ReconstructionSet | null;

  constructor() {
    super();
    this.reconstructions = null;
  }

  protected override render() {
    const set = this.reconstructions;
    if (set === null) {
      return html`<p class="caption" data-testid="recon-step">Waiting for the first reconstructions…</p>`;
    }
    return html`
      <figure>
        <figcaption class="caption" data-testid="recon-step">${this.captionText(set)}</figcaption>
        <ul class="grid">
          ${Array.from({ length: set.count }, (_, index) => this.renderPair(index))}
        </ul>
        ${set.count > 0 ? this.renderKey() : nothing}
      </figure>
    `;
  }

  protected captionText(set: ReconstructionSet): string {
    return `Reconstructions at step ${set.step} (epoch ${set.epoch})`;
  }

  protected renderPair(index: number) {
    const number = index + 1;
    return html`
      <li class="pair">
        <canvas
          width=${IMAGE_SIZE}
          height=${IMAGE_SIZE}
          role="img"
          aria-label="Input image ${number}"
          data-side="input"
        ></canvas>
        <canvas
          width=${IMAGE_SIZE}
          height=${IMAGE_SIZE}
          role="img"
          aria-label="Reconstruction of input image ${number}"
          data-side="output"
        ></canvas>
      </li>
    `;
  }

  protected renderKey() {
    return html`<p class="key" aria-hidden="true"><span>Left: input</span><span>Right: reconstruction</span></p>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('reconstructions')) this.drawImages();
  }

  // Canvases are reused between sets, so every one is redrawn on each update.
  protected drawImages(): void {
    const set = this.reconstructions;
    if (set === null) return;
    const canvases = this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas');
    canvases.forEach((canvas, position) => {
      const index = Math.floor(position / 2);
      const pixels = canvas.dataset.side === 'input' ? set.inputs : set.outputs;
      drawGrayscale(canvas, pixels.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS));
    });
  }
}

/** Draws one 28×28 image of one byte per pixel (0 black, 255 white) onto a canvas of the same size. */
function drawGrayscale(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const image = context.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < pixels.length; i++) {
    const offset = i * 4;
    image.data[offset] = pixels[i];
    image.data[offset + 1] = pixels[i];
    image.data[offset + 2] = pixels[i];
    image.data[offset + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

customElements.define('lc-recon-grid', LcReconGrid);

declare global {
  interface HTMLElementTagNameMap {
    'lc-recon-grid': LcReconGrid;
  }
}
