import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import { standardNormal } from '../../../shared/latent/ranges';
import type { ProbeImages } from '../../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../../shared/training';
import { controlStyles } from './control-styles';
import { FrameTask } from './frame-task';
import type { LatentNetwork } from './latent-network';
import { unitImageAt } from './pixels';
import './lc-latent-image';

/** Noise standard deviation when the view opens, in pixel units (pixels are in [0, 1]). */
const DEFAULT_NOISE = 0.3;

/**
 * A probe image with Gaussian noise added, next to the model's output for
 * it (encoded then decoded in the page), to show how much noise the
 * autoencoder removes.
 *
 * The noise pattern stays fixed while the slider scales it, so moving the
 * slider shows the same noise growing; "New noise" draws another pattern.
 */
export class LcDenoiseView extends LitElement {
  static override properties = {
    probes: { attribute: false },
    labelNames: { attribute: false },
    network: { attribute: false },
    encoderStep: { attribute: false },
    decoderStep: { attribute: false },
    probeIndex: { state: true },
    noise: { state: true },
    noisy: { state: true },
    output: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      .controls {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr);
        align-items: center;
        gap: 0.5rem 0.75rem;
        margin-bottom: 0.75rem;
      }

      .controls label {
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.9rem;
      }

      .noise {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        align-items: center;
        gap: 0.5rem;
      }

      .resample {
        grid-column: 2;
        justify-self: start;
      }

      .noise input[type='range'] {
        width: 100%;
        height: 1.75rem;
      }

      output {
        min-width: 2.5rem;
        font-variant-numeric: tabular-nums;
      }

      .images {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
      }

      figure {
        display: grid;
        gap: 0.35rem;
        margin: 0;
      }

      figcaption {
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.85rem;
      }
    `,
  ];

  /** Fixed validation images to add noise to; null shows none. */
  declare probes: ProbeImages | null;
  /** Label names indexed by the probes' labels, from the dataset. */
  declare labelNames: readonly string[];
  /** Network that encodes and decodes the noisy image; null shows no output. */
  declare network: LatentNetwork | null;
  /** Training step of the encoder weights, so the output is computed again when new weights arrive. */
  declare encoderStep: number | null;
  /** Training step of the decoder weights, so the output is computed again when new weights arrive. */
  declare decoderStep: number | null;
  /** Index of the probe image shown, from 0. */
  declare protected probeIndex: number;
  /** Standard deviation of the added noise, in pixel units, from 0 to 1. */
  declare protected noise: number;
  /** The probe image plus scaled noise, clipped to [0, 1]. */
  declare protected noisy: Float32Array | null;
  /** The model's output for `noisy`. */
  declare protected output: Float32Array | null;

  /** One N(0, 1) draw per pixel; the slider scales it. */
  private pattern: Float32Array;
  /** Adds the noise and runs the model; slider moves request it faster than frames are drawn. */
  private readonly task: FrameTask;

  constructor() {
    super();
    this.probes = null;
    this.labelNames = [];
    this.network = null;
    this.encoderStep = null;
    this.decoderStep = null;
    this.probeIndex = 0;
    this.noise = DEFAULT_NOISE;
    this.noisy = null;
    this.output = null;
    this.pattern = newPattern();
    this.task = new FrameTask(() => this.denoise());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.task.cancel();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (this.probes !== null && this.probeIndex >= this.probes.count) this.probeIndex = 0;
    const inputs = ['probes', 'network', 'encoderStep', 'decoderStep', 'probeIndex', 'noise'];
    if (inputs.some((name) => changed.has(name))) this.task.request();
  }

  protected override render() {
    const count = this.probes?.count ?? 0;
    return html`
      <div class="controls">
        <label for="probe">Image</label>
        <select id="probe" ?disabled=${count === 0} data-testid="denoise-probe" @change=${this.onProbeChange}>
          ${count === 0 ? html`<option>No probe images yet</option>` : ''}
          ${Array.from({ length: count }, (_, index) => html`<option value=${index} ?selected=${index === this.probeIndex}>${this.probeLabel(index)}</option>`)}
        </select>
        <label for="noise">Noise σ</label>
        <div class="noise">
          <input
            id="noise"
            type="range"
            min="0"
            max="1"
            step="0.01"
            .value=${String(this.noise)}
            data-testid="denoise-noise"
            @input=${this.onNoiseInput}
          />
          <output for="noise" aria-hidden="true">${this.noise.toFixed(2)}</output>
        </div>
        <button class="resample" type="button" @click=${this.onNewNoise}>New noise</button>
      </div>
      <div class="images">
        <figure>
          <lc-latent-image .pixels=${this.noisy} label="Probe image with noise of standard deviation ${this.noise.toFixed(2)}"></lc-latent-image>
          <figcaption>Noisy input</figcaption>
        </figure>
        <figure>
          <lc-latent-image .pixels=${this.output} label="The model's output for the noisy image" data-testid="denoise-output"></lc-latent-image>
          <figcaption>Model's output</figcaption>
        </figure>
      </div>
    `;
  }

  protected probeLabel(index: number): string {
    const label = this.probes?.labels[index];
    const name = label === undefined ? '' : (this.labelNames[label] ?? `label ${label}`);
    return `Probe ${index + 1}${name ? ` (${name})` : ''}`;
  }

  protected onProbeChange(event: Event): void {
    this.probeIndex = Number((event.target as HTMLSelectElement).value);
  }

  protected onNoiseInput(event: Event): void {
    this.noise = (event.target as HTMLInputElement).valueAsNumber;
  }

  protected onNewNoise(): void {
    this.pattern = newPattern();
    this.task.request();
  }

  protected async denoise(): Promise<void> {
    if (this.probes === null || this.probes.count === 0) return;
    const clean = unitImageAt(this.probes.images, this.probeIndex);
    const noisy = Float32Array.from(clean, (value, i) => Math.min(1, Math.max(0, value + this.noise * this.pattern[i])));
    this.noisy = noisy;

    const network = this.network;
    if (network === null || !network.canEncode || !network.canDecode) return;
    try {
      this.output = (await network.reconstruct(noisy)).output;
    } catch (error) {
      console.warn('latentcast: failed to encode and decode the noisy image', error);
    }
  }
}

function newPattern(): Float32Array {
  return Float32Array.from({ length: IMAGE_PIXELS }, () => standardNormal());
}

customElements.define('lc-denoise-view', LcDenoiseView);

declare global {
  interface HTMLElementTagNameMap {
    'lc-denoise-view': LcDenoiseView;
  }
}
