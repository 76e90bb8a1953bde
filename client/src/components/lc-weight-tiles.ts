import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import type { ModelSnapshot } from '../../../shared/training';
import { controlStyles } from '../explorer/control-styles';
import { formatCount } from './format';
import { divergingColor, drawTiles, firstLayerTiles, gridColumns, maxMagnitude } from './weight-tiles';
import type { KernelTiles, TileScale } from './weight-tiles';

/**
 * The weights of the encoder's first layer as image tiles. A dense layer gets
 * one 28×28 tile per unit, which shows the pixels that excite (red) or
 * inhibit (blue) the unit. A convolution gets one tile per filter. The colour
 * scale is symmetric around zero, shared by all tiles or per tile.
 */
export class LcWeightTiles extends LitElement {
  static override properties = {
    snapshot: { attribute: false },
    scale: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      .controls {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        margin: 0 0 0.6rem;
      }

      fieldset {
        display: inline-flex;
        gap: 0.75rem;
        margin: 0;
        padding: 0;
        border: 0;
        font-size: 0.9rem;
      }

      legend {
        float: left;
        margin-right: 0.25rem;
        padding: 0;
      }

      label {
        display: inline-flex;
        align-items: center;
        gap: 0.3rem;
        cursor: pointer;
      }

      canvas {
        display: block;
        width: 100%;
        height: auto;
        max-height: 60vh;
        object-fit: contain;
        image-rendering: pixelated;
        background: var(--lc-border, #2c3441);
      }

      .key {
        display: grid;
        grid-template-columns: auto minmax(4rem, 12rem) auto;
        align-items: center;
        gap: 0.5rem;
        margin: 0.6rem 0 0;
        font-size: 0.85rem;
        font-variant-numeric: tabular-nums;
      }

      .ramp {
        height: 0.6rem;
        border-radius: 0.3rem;
      }

      .caption {
        margin: 0 0 0.6rem;
        font-size: 0.95rem;
      }
    `,
  ];

  /** Latest encoder snapshot; null shows a waiting message. */
  declare snapshot: ModelSnapshot | null;
  /** Colour scale: `shared` (one ±range for all tiles, the default) or `per-tile`. */
  declare protected scale: TileScale;

  private tiles: KernelTiles | null;
  /** Largest absolute weight over every tile, the shared scale's range. */
  private sharedRange: number;

  constructor() {
    super();
    this.snapshot = null;
    this.scale = 'shared';
    this.tiles = null;
    this.sharedRange = 1;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('snapshot')) return;
    this.tiles = this.snapshot === null ? null : firstLayerTiles(this.snapshot);
    if (this.tiles !== null) this.sharedRange = maxMagnitude(this.tiles, null);
  }

  protected override render() {
    if (this.snapshot === null) return html`<p class="caption muted">Waiting for the first weights…</p>`;
    const tiles = this.tiles;
    if (tiles === null) return html`<p class="caption muted">This encoder has no dense or convolutional layer on the image to draw.</p>`;

    const columns = gridColumns(tiles.count);
    const rows = Math.ceil(tiles.count / columns);
    return html`
      <div class="controls">
        <p class="caption" data-testid="weight-tiles-caption">${this.captionText(tiles)}</p>
        ${this.renderScaleChoice()}
      </div>
      <canvas
        width=${columns * (tiles.width + 1) - 1}
        height=${rows * (tiles.height + 1) - 1}
        role="img"
        aria-label=${this.describe(tiles)}
        data-testid="weight-tiles"
        data-tiles=${tiles.count}
        data-step=${this.snapshot.step}
      ></canvas>
      ${this.renderKey()}
    `;
  }

  protected renderScaleChoice() {
    const option = (value: TileScale, text: string) => html`
      <label><input type="radio" name="scale" value=${value} .checked=${this.scale === value} @change=${this.onScale} />${text}</label>
    `;
    return html`
      <fieldset>
        <legend>Colour scale</legend>
        ${option('shared', 'Shared')} ${option('per-tile', 'Per tile')}
      </fieldset>
    `;
  }

  protected renderKey() {
    const negative = `rgb(${divergingColor(-1, 1).join(',')})`;
    const positive = `rgb(${divergingColor(1, 1).join(',')})`;
    const range = this.scale === 'shared' ? formatWeight(this.sharedRange) : 'max';
    return html`
      <p class="key" aria-hidden="true">
        <span>−${range}</span>
        <span class="ramp" style="background: linear-gradient(to right, ${negative}, #fff, ${positive})"></span>
        <span>+${range}</span>
      </p>
    `;
  }

  protected captionText(tiles: KernelTiles): string {
    const at = `step ${formatCount(this.snapshot?.step)}`;
    if (tiles.kind === 'dense') return `${tiles.count} units of the first encoder layer, ${at}`;
    const channel = tiles.channels > 1 ? `, input channel 1 of ${tiles.channels}` : '';
    return `${tiles.count} filters of ${tiles.width}×${tiles.height} of the first convolution${channel}, ${at}`;
  }

  protected describe(tiles: KernelTiles): string {
    const what = tiles.kind === 'dense' ? `${tiles.count} units, one 28 by 28 tile each` : `${tiles.count} filters of ${tiles.width} by ${tiles.height}`;
    const scale = this.scale === 'shared' ? `one scale of plus or minus ${formatWeight(this.sharedRange)} for all tiles` : 'a scale per tile';
    return `Weights of ${tiles.name}: ${what}. Red is positive, blue negative and white zero, with ${scale}.`;
  }

  protected override updated(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context || this.tiles === null) return;
    const image = context.createImageData(canvas.width, canvas.height);
    drawTiles(image, this.tiles, gridColumns(this.tiles.count), this.scale === 'shared' ? this.sharedRange : null);
    context.putImageData(image, 0, 0);
  }

  protected onScale(event: Event): void {
    this.scale = (event.target as HTMLInputElement).value as TileScale;
  }
}

function formatWeight(value: number): string {
  return value.toPrecision(2);
}

customElements.define('lc-weight-tiles', LcWeightTiles);

declare global {
  interface HTMLElementTagNameMap {
    'lc-weight-tiles': LcWeightTiles;
  }
}
