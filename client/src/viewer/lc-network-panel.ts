import { css, html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

import { toPixelBytes } from '../../../shared/pixels';
import type { ProbeImages } from '../../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../../shared/training';
import type { ModelSnapshot } from '../../../shared/training';
import '../components/lc-network-diagram';
import { controlStyles } from '../explorer/control-styles';
import { loadTensorFlow } from '../explorer/latent-network';
import { ActivationProbe } from './layer-activations';
import type { LayerActivations } from './layer-activations';

/** Progress of the activations: TensorFlow.js loads lazily, and a model that fails to rebuild leaves the diagram dark. */
type ActivationStatus = 'waiting' | 'loading' | 'ready' | 'failed';

/**
 * The network diagram with a choice of probe image. It runs the chosen image
 * through the latest encoder and decoder snapshots in the page, with
 * TensorFlow.js loaded on first use, and lights each unit with its
 * activation. The host element carries `data-activation-step` (the weights'
 * step of the activations shown), `data-passes` (passes completed) and
 * `data-tensors` (TensorFlow.js tensors allocated after the last pass).
 */
export class LcNetworkPanel extends LitElement {
  static override properties = {
    encoder: { attribute: false },
    decoder: { attribute: false },
    probes: { attribute: false },
    labelNames: { attribute: false },
    layerSizes: { attribute: false },
    probeIndex: { state: true },
    result: { state: true },
    status: { state: true },
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
        gap: 0.5rem 1rem;
        margin: 0 0 0.75rem;
      }

      label {
        display: inline-flex;
        align-items: center;
        gap: 0.5rem;
      }

      .note {
        margin: 0;
        font-size: 0.9rem;
      }
    `,
  ];

  /** Latest encoder snapshot; null leaves the units dark. */
  declare encoder: ModelSnapshot | null;
  /** Latest decoder snapshot; null leaves the units dark. */
  declare decoder: ModelSnapshot | null;
  /** The run's probe images, one of which lights the units; null leaves them dark. */
  declare probes: ProbeImages | null;
  /** Dataset label names, indexed by the probes' labels, for the probe picker. */
  declare labelNames: readonly string[];
  /** Unit counts from the input to the output, from the host status; null until the model is built. */
  declare layerSizes: readonly number[] | null;
  /** Index of the probe image whose activations are shown. */
  declare protected probeIndex: number;
  /** Activations of the last pass, or null. */
  declare protected result: LayerActivations | null;
  declare protected status: ActivationStatus;

  private probe: ActivationProbe | null;
  private running: Promise<void> | null;
  private pending: boolean;
  private passes: number;

  constructor() {
    super();
    this.encoder = null;
    this.decoder = null;
    this.probes = null;
    this.labelNames = [];
    this.layerSizes = null;
    this.probeIndex = 0;
    this.result = null;
    this.status = 'waiting';
    this.probe = null;
    this.running = null;
    this.pending = false;
    this.passes = 0;
  }

  protected override render() {
    const probes = this.probes;
    return html`
      <div class="controls">
        ${probes === null || probes.count === 0 ? nothing : this.renderPicker(probes)}
        <p class="note muted" role="status">${this.statusText()}</p>
      </div>
      <lc-network-diagram
        .layerSizes=${this.diagramSizes()}
        .activations=${this.result?.layers ?? null}
        .latentIndex=${this.result?.latentIndex ?? null}
        .inputImage=${this.probeImage()}
        .outputImage=${this.outputImage()}
        activation-label=${this.result === null ? '' : `probe image ${this.probeIndex + 1}`}
      ></lc-network-diagram>
    `;
  }

  protected renderPicker(probes: ProbeImages) {
    return html`
      <label>
        Probe image
        <select data-testid="network-probe" @change=${this.onProbe}>
          ${Array.from(
            { length: probes.count },
            (_, i) => html`<option value=${i} ?selected=${i === this.probeIndex}>${i + 1}${this.labelOf(i)}</option>`,
          )}
        </select>
      </label>
    `;
  }

  protected labelOf(index: number): string {
    const name = this.labelNames[this.probes?.labels[index] ?? -1];
    return name ? ` · ${name}` : '';
  }

  protected statusText(): string {
    switch (this.status) {
      case 'waiting':
        return 'Units light up once the weights arrive.';
      case 'loading':
        return 'Loading TensorFlow.js…';
      case 'failed':
        return 'The activations could not be computed in this browser; the diagram shows the architecture only.';
      case 'ready':
        return '';
    }
  }

  /** Returns the activation sizes when they differ from the host's layer sizes, such as for a convolutional model. */
  protected diagramSizes(): readonly number[] | null {
    const fromActivations = this.result?.layers.map((layer) => layer.length) ?? null;
    const sizes = this.layerSizes;
    if (fromActivations === null) return sizes;
    const same = sizes !== null && sizes.length === fromActivations.length && sizes.every((size, i) => size === fromActivations[i]);
    return same ? sizes : fromActivations;
  }

  protected probeImage(): Uint8Array | null {
    const probes = this.probes;
    if (probes === null || this.probeIndex >= probes.count) return null;
    return probes.images.subarray(this.probeIndex * IMAGE_PIXELS, (this.probeIndex + 1) * IMAGE_PIXELS);
  }

  protected outputImage(): Uint8Array | null {
    const last = this.result?.layers.at(-1);
    if (!last || last.length !== IMAGE_PIXELS) return null;
    return toPixelBytes(last);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('probes') && this.probes !== null && this.probeIndex >= this.probes.count) this.probeIndex = 0;
    if (['encoder', 'decoder', 'probes', 'probeIndex'].some((key) => changed.has(key as keyof LcNetworkPanel))) this.requestActivations();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A pass under way finishes first, so the models are released after it.
    void (this.running ?? Promise.resolve()).then(() => {
      this.probe?.dispose();
      this.probe = null;
    });
  }

  /** Starts a pass, or marks one as pending while another runs, so passes never overlap and the last request always runs. */
  protected requestActivations(): void {
    if (this.encoder === null || this.decoder === null || this.probeImage() === null) return;
    if (this.running !== null) {
      this.pending = true;
      return;
    }
    this.running = this.computeActivations().finally(() => {
      this.running = null;
      if (this.pending) {
        this.pending = false;
        this.requestActivations();
      }
    });
  }

  protected async computeActivations(): Promise<void> {
    const encoder = this.encoder!;
    const decoder = this.decoder!;
    const image = this.probeImage()!;
    try {
      if (this.probe === null) {
        this.status = 'loading';
        const loaded = await loadTensorFlow();
        this.probe = new ActivationProbe(loaded.tf);
      }
      await this.probe.load(encoder, decoder);
      this.result = await this.probe.activations(image);
      this.status = 'ready';
      this.passes++;
      this.dataset.activationStep = String(this.result.step);
      this.dataset.passes = String(this.passes);
      this.dataset.tensors = String(this.probe.numTensors);
    } catch (error) {
      console.warn('latentcast: failed to compute the network diagram activations', error);
      this.status = 'failed';
      this.result = null;
    }
  }

  protected onProbe(event: Event): void {
    this.probeIndex = Number((event.target as HTMLSelectElement).value);
  }
}

customElements.define('lc-network-panel', LcNetworkPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lc-network-panel': LcNetworkPanel;
  }
}
