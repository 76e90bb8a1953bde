import { css, html, LitElement } from 'lit';

import type { WeightHistogramHistoryBody } from '../../../shared/protocol/frames';
import { controlStyles } from '../explorer/control-styles';
import { formatCount } from './format';
import { drawHistogramStrip, heatColor, tensorRange } from './histogram-strip';

/** Pixel rows of each strip; the canvas is scaled up by CSS. */
const STRIP_ROWS = 48;

/**
 * Per-layer weight histograms over time: one heat-map strip per weight
 * tensor, one column per weight snapshot the host kept, from step 0 on the
 * left to the latest on the right, as TensorBoard's histogram dashboard
 * shows them. Kernels are shown by default and biases on request.
 */
export class LcWeightHistograms extends LitElement {
  static override properties = {
    histograms: { attribute: false },
    showBiases: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }

      .controls {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        margin: 0 0 0.6rem;
        font-size: 0.95rem;
      }

      .controls p {
        margin: 0;
      }

      label {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        cursor: pointer;
      }

      ul {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 0.75rem 1.25rem;
        margin: 0;
        padding: 0;
        list-style: none;
      }

      @container (min-width: 28rem) {
        ul {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
      }

      figure {
        margin: 0;
      }

      figcaption {
        margin: 0 0 0.25rem;
        overflow: hidden;
        font-size: 0.85rem;
        text-overflow: ellipsis;
        white-space: nowrap;
      }

      .strip {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr);
        gap: 0.4rem;
        font-size: 0.75rem;
        font-variant-numeric: tabular-nums;
      }

      .values {
        display: flex;
        flex-direction: column;
        justify-content: space-between;
        text-align: right;
      }

      canvas {
        display: block;
        width: 100%;
        height: 3.5rem;
        border-radius: 0.25rem;
        image-rendering: pixelated;
      }

      .key {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.85rem;
      }

      .ramp {
        width: 5rem;
        height: 0.6rem;
        border-radius: 0.3rem;
      }

      .steps {
        display: flex;
        justify-content: space-between;
        grid-column: 2;
      }
    `,
  ];

  /** Histograms of every weight tensor per kept snapshot, oldest first; null shows a waiting message. */
  declare histograms: WeightHistogramHistoryBody | null;
  /** Whether bias histograms are shown next to the kernels'. */
  declare protected showBiases: boolean;

  constructor() {
    super();
    this.histograms = null;
    this.showBiases = false;
  }

  protected override render() {
    const histograms = this.histograms;
    if (histograms === null || histograms.entries.length === 0) return html`<p class="muted">Waiting for the first weight histograms…</p>`;
    const shown = this.shownTensors(histograms);
    return html`
      <div class="controls">
        <p class="muted">${this.summaryText(histograms)}</p>
        ${this.renderKey()}
        <label><input type="checkbox" .checked=${this.showBiases} @change=${this.onShowBiases} data-testid="histograms-show-biases" />Show biases</label>
      </div>
      <ul data-testid="weight-histograms" data-snapshots=${histograms.entries.length}>
        ${shown.map((tensor) => this.renderStrip(histograms, tensor))}
      </ul>
    `;
  }

  protected renderStrip(histograms: WeightHistogramHistoryBody, tensor: number) {
    const range = tensorRange(histograms.entries, tensor)!;
    const latest = histograms.entries[histograms.entries.length - 1].tensors[tensor];
    const first = histograms.entries[0].step;
    const last = histograms.entries[histograms.entries.length - 1].step;
    const name = histograms.names[tensor];
    return html`
      <li>
        <figure>
          <figcaption class="name" title=${`${name}, ${formatCount(histograms.sizes[tensor])} values`}>${name}</figcaption>
          <div class="strip">
            <span class="values muted" aria-hidden="true"><span>${formatValue(range.max)}</span><span>${formatValue(range.min)}</span></span>
            <canvas
              width=${histograms.entries.length}
              height=${STRIP_ROWS}
              data-tensor=${tensor}
              role="img"
              aria-label=${`Histograms of the ${formatCount(histograms.sizes[tensor])} values of ${name} over ${histograms.entries.length} snapshots from step ${formatCount(first)} to ${formatCount(last)}. At step ${formatCount(last)} the values range from ${formatValue(latest.min)} to ${formatValue(latest.max)}.`}
            ></canvas>
            <span class="steps muted" aria-hidden="true"><span>step ${formatCount(first)}</span><span>${formatCount(last)}</span></span>
          </div>
        </figure>
      </li>
    `;
  }

  protected summaryText(histograms: WeightHistogramHistoryBody): string {
    const count = histograms.entries.length;
    return `${count} ${count === 1 ? 'snapshot' : 'snapshots'}, oldest on the left`;
  }

  protected renderKey() {
    const stops = [0, 0.33, 0.67, 1].map((t) => `rgb(${heatColor(t).join(',')})`).join(', ');
    return html`
      <span class="key muted" aria-hidden="true">
        few <span class="ramp" style="background: linear-gradient(to right, ${stops})"></span> many weights
      </span>
    `;
  }

  /** Returns the indices of the tensors to draw: kernels, and biases when asked for. */
  protected shownTensors(histograms: WeightHistogramHistoryBody): number[] {
    const indices = histograms.names.map((_, index) => index);
    return this.showBiases ? indices : indices.filter((index) => !isBias(histograms.names[index]));
  }

  protected override updated(): void {
    const histograms = this.histograms;
    if (histograms === null) return;
    for (const canvas of this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas')) {
      const tensor = Number(canvas.dataset.tensor);
      const context = canvas.getContext('2d');
      const range = tensorRange(histograms.entries, tensor);
      if (context === null || range === null) continue;
      const image = context.createImageData(canvas.width, canvas.height);
      drawHistogramStrip(image, histograms.entries, tensor, range);
      context.putImageData(image, 0, 0);
    }
  }

  protected onShowBiases(event: Event): void {
    this.showBiases = (event.target as HTMLInputElement).checked;
  }
}

/** Returns whether a weight's name ends in `bias`, as TensorFlow.js names dense and convolution biases. */
function isBias(name: string): boolean {
  return /(^|\/)bias$/.test(name);
}

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(2);
}

customElements.define('lc-weight-histograms', LcWeightHistograms);

declare global {
  interface HTMLElementTagNameMap {
    'lc-weight-histograms': LcWeightHistograms;
  }
}
