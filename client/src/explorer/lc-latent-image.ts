import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import { IMAGE_SIZE } from '../../../shared/training';
import { drawUnitImage } from './pixels';

/**
 * One 28×28 grayscale image, drawn pixel for pixel and scaled up by CSS with
 * hard pixel edges, so viewers see exactly what the model outputs.
 *
 * The size follows the element's width; set `width` on the element or
 * `--lc-latent-image-size`.
 */
export class LcLatentImage extends LitElement {
  static override properties = {
    pixels: { attribute: false },
    label: {},
  };

  static override styles = css`
    :host {
      display: block;
      width: var(--lc-latent-image-size, 100%);
    }

    canvas {
      display: block;
      width: 100%;
      aspect-ratio: 1;
      border-radius: 0.35rem;
      background: #000;
      image-rendering: pixelated;
    }
  `;

  /** 784 values in [0, 1], row-major (0 black, 1 white); null shows a black square. */
  declare pixels: ArrayLike<number> | null;
  /** Accessible name of the image, such as "Decoded image". */
  declare label: string;

  constructor() {
    super();
    this.pixels = null;
    this.label = 'Image';
  }

  protected override render() {
    return html`<canvas width=${IMAGE_SIZE} height=${IMAGE_SIZE} role="img" aria-label=${this.label}></canvas>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('pixels')) {
      const canvas = this.renderRoot.querySelector('canvas');
      if (canvas) drawUnitImage(canvas, this.pixels);
    }
  }
}

customElements.define('lc-latent-image', LcLatentImage);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-image': LcLatentImage;
  }
}
