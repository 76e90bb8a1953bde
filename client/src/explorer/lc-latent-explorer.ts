import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import { centreVector, deadDimensions, latentRanges, latentSpread, randomVector } from '../../../shared/latent/ranges';
import type { LatentModelKind, LatentRange, LatentSpread } from '../../../shared/latent/ranges';
import { shapeSize, topologyInputShape } from '../../../shared/model/topology';
import type { ProbeImages } from '../../../shared/protocol/frames';
import type { LatentMap, ModelSnapshot, RunConfig } from '../../../shared/training';
import { formatCount } from '../components/format';
import { controlStyles } from './control-styles';
import { FrameTask } from './frame-task';
import { LatentNetwork, loadTensorFlow } from './latent-network';
import type { DecodeBackend } from './latent-network';
import { WalkPlayer } from './random-walk';
import type { ImageInputDetail } from './lc-draw-pad';
import type { LatentPickDetail } from './lc-latent-map';
import type { LcLatentMorph, MorphInputDetail, MorphSlot, MorphSlotRequestDetail } from './lc-latent-morph';
import type { PreviewActionDetail } from './lc-latent-preview';
import type { LatentInputDetail } from './lc-latent-sliders';
import './lc-denoise-view';
import './lc-draw-pad';
import './lc-latent-map';
import './lc-latent-morph';
import './lc-latent-preview';
import './lc-latent-sliders';

/** Detail of the `latent-select` window event that the gallery and share links dispatch. */
export interface LatentSelectDetail {
  /** Latent vector to load, one value per dimension of the running model. */
  z: number[];
  /** Description of the vector, shown beside the image, such as a gallery item's title. */
  label?: string;
  /** Destination of the vector: the sliders (`current`, the default) or a morph slot. */
  slot?: 'current' | MorphSlot;
}

/** Window event name for loading a vector into the explorer. */
export const LATENT_SELECT_EVENT = 'latent-select';

/** Progress of the lazy TensorFlow.js import. */
type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

/** The latest decode: the vector, its image and the weights' step. */
export interface DecodedVector {
  vector: readonly number[];
  /** 784 pixel values in [0, 1], row-major. */
  pixels: Float32Array;
  /** Training step of the decoder weights used. */
  step: number;
}

/**
 * The latent explorer: sliders for every latent dimension and the image the
 * decoder makes of them, decoded in the page from the weights the host
 * broadcasts. Around it: random vectors and a random walk, a morph between
 * two vectors, drawing and encoding an image, a denoising demo and a map of
 * the validation codes.
 *
 * Decodes are folded to one per animation frame, and only one runs at a
 * time. The host element mirrors the decoder's step (`data-step`), the
 * TensorFlow.js backend (`data-backend`), the number of decodes
 * (`data-decodes`) and the engine's tensor count (`data-tensors`), so a page
 * or a test can watch for leaks.
 *
 * Listens on `window` for `latent-select` events (detail: LatentSelectDetail).
 */
export class LcLatentExplorer extends LitElement {
  static override properties = {
    config: { attribute: false },
    labelNames: { attribute: false },
    decoderWeights: { attribute: false },
    encoderWeights: { attribute: false },
    latentMap: { attribute: false },
    probes: { attribute: false },
    preferredBackend: { attribute: 'decode-backend' },
    current: { state: true },
    decoded: { state: true },
    sourceLabel: { state: true },
    notice: { state: true },
    walking: { state: true },
    slotA: { state: true },
    slotB: { state: true },
    loadState: { state: true },
    network: { state: true },
    backendCaption: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }

      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
      }

      @container (min-width: 44rem) {
        .layout {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }

        .map {
          grid-column: 1 / -1;
        }
      }

      @container (min-width: 68rem) {
        .layout {
          grid-template-columns: minmax(0, 0.9fr) minmax(0, 1fr) minmax(0, 1.1fr);
        }

        .map {
          grid-column: auto;
        }
      }

      .card {
        box-sizing: border-box;
        min-width: 0;
        padding: 0.9rem;
        border: 1px solid var(--lc-border, #2c3441);
        border-radius: 0.6rem;
        background: var(--lc-surface-raised, #232a35);
      }

      .heading {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.25rem 0.75rem;
      }

      .heading .muted {
        font-size: 0.85rem;
      }

      lc-latent-sliders {
        --lc-latent-sliders-max-height: 24rem;
      }

      lc-latent-map {
        --lc-latent-map-height: 20rem;
      }

      .waiting {
        margin: 0;
        padding: 1.5rem 0;
        text-align: center;
      }
    `,
  ];

  /** Run configuration from the host; null until the first Hello frame. */
  declare config: RunConfig | null;
  /** Label names of the dataset, indexed by label, for the map's legend and the probe pickers. */
  declare labelNames: readonly string[];
  /** Latest decoder snapshot the host broadcast; null until the first. */
  declare decoderWeights: ModelSnapshot | null;
  /** Latest encoder snapshot the host broadcast; null until the first. */
  declare encoderWeights: ModelSnapshot | null;
  /** Latent codes of validation images, once per epoch; null until the first. */
  declare latentMap: LatentMap | null;
  /** Fixed validation images of the run, for drawing and denoising; null until the host sends them. */
  declare probes: ProbeImages | null;
  /** TensorFlow.js backend to try first, `webgl` (default) or `cpu`; WebGL falls back to the CPU when it fails. Read once, at load. */
  declare preferredBackend: DecodeBackend;

  declare protected current: number[];
  declare protected decoded: DecodedVector | null;
  /** Description of the current vector, such as "a random walk" or a gallery title. */
  declare protected sourceLabel: string;
  /** A problem to show above the controls, such as a rejected `latent-select` vector; empty for none. */
  declare protected notice: string;
  declare protected walking: boolean;
  declare protected slotA: number[] | null;
  declare protected slotB: number[] | null;
  declare protected loadState: LoadState;
  declare protected network: LatentNetwork | null;
  declare protected backendCaption: string;

  /** Slider range of each dimension, from the model kind and the latest map. */
  private ranges: LatentRange[];
  /** Distribution of random vectors and of the walk. */
  private spread: LatentSpread;
  /** True for each dimension whose codes are all equal. */
  private dead: boolean[];
  private decodeCount: number;
  /** Snapshots already passed to the network, so each snapshot is loaded once. */
  private uploadedDecoder: ModelSnapshot | null;
  private uploadedEncoder: ModelSnapshot | null;
  /** Decodes the current vector; sliders and animations request it many times per frame. */
  private readonly decodeTask: FrameTask;
  /** Encodes `pendingImage`, the newest image from the drawing pad. */
  private readonly encodeTask: FrameTask;
  /** The viewer or an event has set the vector, so a new latent map no longer replaces it. */
  private touched: boolean;
  private pendingSelect: LatentSelectDetail | null;
  private pendingImage: ImageInputDetail | null;
  private readonly walk: WalkPlayer;

  constructor() {
    super();
    this.config = null;
    this.labelNames = [];
    this.decoderWeights = null;
    this.encoderWeights = null;
    this.latentMap = null;
    this.probes = null;
    this.preferredBackend = 'webgl';

    this.current = [];
    this.decoded = null;
    this.sourceLabel = '';
    this.notice = '';
    this.walking = false;
    this.slotA = null;
    this.slotB = null;
    this.loadState = 'idle';
    this.network = null;
    this.backendCaption = '';

    this.ranges = [];
    this.spread = { mean: [], std: [] };
    this.dead = [];
    this.decodeCount = 0;
    this.uploadedDecoder = null;
    this.uploadedEncoder = null;
    this.decodeTask = new FrameTask(() => this.decodeCurrent());
    this.encodeTask = new FrameTask(() => this.encodePending());
    this.touched = false;
    this.pendingSelect = null;
    this.pendingImage = null;
    this.walk = new WalkPlayer((vector) => (this.current = vector));
  }

  /** A copy of the current latent vector, one value per dimension. */
  get vector(): number[] {
    return [...this.current];
  }

  /** The latest decode; null before the first. */
  get lastDecode(): DecodedVector | null {
    return this.decoded;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(LATENT_SELECT_EVENT, this.onLatentSelect);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener(LATENT_SELECT_EVENT, this.onLatentSelect);
    this.pauseWalk();
    this.decodeTask.cancel();
    this.encodeTask.cancel();
    this.network?.dispose();
    this.network = null;
  }

  // Model state --------------------------------------------------------------

  /** Latent vector size: the decoder's input size, else the configured latent size. */
  protected get dims(): number {
    const inputShape = this.decoderWeights ? topologyInputShape(this.decoderWeights.topology) : null;
    return inputShape ? shapeSize(inputShape) : (this.config?.latent ?? 0);
  }

  protected get modelKind(): LatentModelKind {
    return this.config?.model ?? 'dense';
  }


  protected get ready(): boolean {
    return this.network !== null && this.network.canDecode && this.current.length === this.dims && this.dims > 0;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('config') || changed.has('decoderWeights') || changed.has('latentMap')) {
      // Kept between renders, so the sliders see new ranges only when the model or the map changes.
      this.ranges = latentRanges(this.modelKind, this.dims, this.latentMap);
      this.spread = latentSpread(this.modelKind, this.dims, this.latentMap);
      this.dead = deadDimensions(this.latentMap, this.dims);
      this.fitVector();
    }
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('decoderWeights') && this.decoderWeights !== null && this.loadState === 'idle') void this.loadNetwork();
    if (changed.has('decoderWeights') || changed.has('encoderWeights') || changed.has('network')) this.applyWeights();
    if (changed.has('current')) this.decodeTask.request();
  }

  /**
   * Gives the vector the model's size. Until the viewer or an event sets the
   * vector, it follows the first validation code of the latest map, so the
   * first image is a real one rather than a blurry average.
   */
  protected fitVector(): void {
    const dims = this.dims;
    if (dims === 0) return;

    if (this.pendingSelect !== null) {
      const pending = this.pendingSelect;
      this.pendingSelect = null;
      this.applySelect(pending);
    }
    const map = this.latentMap;
    if (!this.touched && map !== null && map.dims === dims && map.count > 0) {
      this.current = Array.from(map.codes.subarray(0, dims));
      this.sourceLabel = `${this.labelNames[map.labels[0]] ?? 'validation image'} (validation image 1)`;
      return;
    }
    if (this.current.length !== dims) {
      this.current = centreVector(this.spread, this.ranges);
      this.sourceLabel = this.modelKind === 'vae' ? 'the centre of the prior' : 'the mean of the codes';
    }
  }

  protected async loadNetwork(): Promise<void> {
    this.loadState = 'loading';
    try {
      const loaded = await loadTensorFlow(this.preferredBackend);
      this.network = new LatentNetwork(loaded.tf);
      this.backendCaption = loaded.backend === 'webgl' ? 'WebGL backend' : `CPU backend (${loaded.reason})`;
      this.dataset.backend = loaded.backend;
      this.loadState = 'ready';
    } catch (error) {
      console.warn('latentcast: failed to load TensorFlow.js for the latent explorer', error);
      this.notice = `TensorFlow.js failed to load, so the page cannot decode: ${(error as Error).message}. Reload the page to try again.`;
      this.loadState = 'failed';
    }
  }

  /**
   * Loads snapshots that the network does not have yet, then decodes the
   * current vector with them. Snapshots are compared by identity, not by
   * step, because a restarted host starts again at step 0 with new weights.
   */
  protected applyWeights(): void {
    const network = this.network;
    if (network === null) return;
    if (this.decoderWeights !== null && this.decoderWeights !== this.uploadedDecoder) {
      this.uploadedDecoder = this.decoderWeights;
      void this.loadSnapshot(network.setDecoder(this.decoderWeights), 'decoder');
    }
    if (this.encoderWeights !== null && this.encoderWeights !== this.uploadedEncoder) {
      this.uploadedEncoder = this.encoderWeights;
      void this.loadSnapshot(network.setEncoder(this.encoderWeights), 'encoder');
    }
  }

  /** Waits for a snapshot load, then decodes with it or shows why the model cannot run. */
  protected async loadSnapshot(load: Promise<void>, role: 'encoder' | 'decoder'): Promise<void> {
    try {
      await load;
      if (role === 'decoder') this.decodeTask.request();
    } catch (error) {
      console.warn(`latentcast: skipped ${role} weights the explorer cannot run`, error);
      this.notice = `The host's ${role} cannot be used: ${(error as Error).message}`;
    }
    this.requestUpdate();
  }

  // Decoding -----------------------------------------------------------------

  protected async decodeCurrent(): Promise<void> {
    const network = this.network;
    if (network === null || !network.canDecode || this.current.length !== network.latentSize) return;
    const vector = this.current;
    try {
      const pixels = await network.decode(vector);
      this.decoded = { vector, pixels, step: network.decoderStep ?? 0 };
      this.decodeCount++;
      this.dataset.decodes = String(this.decodeCount);
      this.dataset.step = String(this.decoded.step);
      this.dataset.tensors = String(network.numTensors);
    } catch (error) {
      this.notice = `Decoding failed: ${(error as Error).message}`;
    }
  }

  protected async encodePending(): Promise<void> {
    const image = this.pendingImage;
    const network = this.network;
    if (image === null) return;
    if (network === null || !network.canEncode) {
      this.notice = 'Encoding waits for the encoder weights from the host.';
      return;
    }
    this.pendingImage = null;
    try {
      const code = await network.encode(image.pixels);
      this.morph?.pause();
      this.setVector(Array.from(code), `the encoding of ${image.label}`);
    } catch (error) {
      this.notice = `Encoding failed: ${(error as Error).message}`;
    }
  }

  /** Sets the current vector from a viewer action, which stops the random walk. */
  protected setVector(vector: number[], label: string): void {
    this.pauseWalk();
    this.touched = true;
    this.current = vector;
    this.sourceLabel = label;
    this.notice = '';
  }

  // Events from the page and the children ------------------------------------

  private readonly onLatentSelect = (event: Event): void => {
    const detail = (event as CustomEvent<unknown>).detail;
    if (!isSelectDetail(detail)) {
      console.warn('latentcast: skipped a latent-select event whose detail is not { z: number[], label?, slot? }', detail);
      return;
    }
    if (this.dims === 0) {
      // Share links may fire before the host's Hello frame; the vector is loaded once the model's size is known.
      this.pendingSelect = detail;
      return;
    }
    this.applySelect(detail);
    if (detail.slot === undefined || detail.slot === 'current') this.revealPreview();
  };

  protected applySelect(detail: LatentSelectDetail): void {
    if (detail.z.length !== this.dims) {
      this.notice = `The selected vector has ${detail.z.length} values, but this model's latent has ${this.dims}, so it was not loaded.`;
      return;
    }
    const z = [...detail.z];
    const label = detail.label ?? 'a selected vector';
    if (detail.slot === 'A') this.slotA = z;
    else if (detail.slot === 'B') this.slotB = z;
    else {
      this.morph?.pause();
      this.setVector(z, label);
    }
  }

  /** Scrolls the decoded image into view when a vector arrives from elsewhere on the page, such as the gallery. */
  protected revealPreview(): void {
    const preview = this.renderRoot.querySelector('.preview');
    if (!preview) return;
    const box = preview.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    preview.scrollIntoView({ behavior: reducedMotion ? 'auto' : 'smooth', block: 'nearest' });
  }

  protected onSliderInput(event: CustomEvent<LatentInputDetail>): void {
    const vector = [...this.current];
    vector[event.detail.index] = event.detail.value;
    this.morph?.pause();
    this.setVector(vector, 'your settings');
  }

  protected onMapPick(event: CustomEvent<LatentPickDetail>): void {
    this.morph?.pause();
    this.setVector(event.detail.z, event.detail.label);
  }

  protected onMorphInput(event: CustomEvent<MorphInputDetail>): void {
    this.setVector(event.detail.z, `morph, ${Math.round(event.detail.position * 100)}% from A to B`);
  }

  protected onMorphSlotRequest(event: CustomEvent<MorphSlotRequestDetail>): void {
    if (event.detail.slot === 'A') this.slotA = [...this.current];
    else this.slotB = [...this.current];
  }

  // An encode may take longer than a frame, so only the newest image waits
  // and the vector follows the pen without a backlog.
  protected onImageInput(event: CustomEvent<ImageInputDetail>): void {
    this.pendingImage = event.detail;
    this.encodeTask.request();
  }

  protected onPreviewAction(event: CustomEvent<PreviewActionDetail>): void {
    if (event.detail.action === 'random') this.onRandom();
    if (event.detail.action === 'centre') this.onCentre();
    if (event.detail.action === 'walk') this.toggleWalk();
  }

  protected onRandom(): void {
    this.morph?.pause();
    this.setVector(randomVector(this.spread, this.ranges), this.modelKind === 'vae' ? 'a random draw from the prior' : 'a random draw from the codes');
  }

  protected onCentre(): void {
    this.morph?.pause();
    this.setVector(centreVector(this.spread, this.ranges), this.modelKind === 'vae' ? 'the centre of the prior' : 'the mean of the codes');
  }

  // Random walk --------------------------------------------------------------

  protected toggleWalk(): void {
    if (this.walking) this.pauseWalk();
    else this.startWalk();
  }

  /** Starts or resumes the walk where it paused, easing from the current vector onto the path. */
  protected startWalk(): void {
    if (!this.ready) return;
    this.morph?.pause();
    this.touched = true;
    this.sourceLabel = 'a random walk';
    this.walk.start(this.current, () => ({ spread: this.spread, ranges: this.ranges }));
    this.walking = true;
  }

  protected pauseWalk(): void {
    this.walk.pause();
    this.walking = false;
  }

  protected get morph(): LcLatentMorph | null {
    return this.renderRoot?.querySelector('lc-latent-morph') ?? null;
  }

  // Rendering ----------------------------------------------------------------

  protected override render() {
    if (this.dims === 0) return html`<p class="waiting muted">Waiting for the host…</p>`;
    const disabled = !this.ready;
    return html`
      <div class="layout">
        ${this.renderPreview(disabled)}
        <section class="card sliders" aria-labelledby="sliders-heading">
          <div class="heading">
            <h3 id="sliders-heading">Latent vector</h3>
            <span class="muted">${this.dims} dimensions · ${this.rangeText()}</span>
          </div>
          <lc-latent-sliders
            .vector=${this.current}
            .ranges=${this.ranges}
            .dead=${this.dead}
            ?disabled=${disabled}
            @latent-input=${this.onSliderInput}
          ></lc-latent-sliders>
        </section>
        <section class="card map" aria-labelledby="map-heading">
          <h3 id="map-heading">Latent map</h3>
          <lc-latent-map
            .map=${this.latentMap}
            .labelNames=${this.labelNames}
            .current=${this.current}
            @latent-pick=${this.onMapPick}
          ></lc-latent-map>
        </section>
        <section class="card" aria-labelledby="morph-heading">
          <h3 id="morph-heading">Morph</h3>
          <lc-latent-morph
            .a=${this.slotA}
            .b=${this.slotB}
            .network=${this.network}
            .decoderStep=${this.network?.decoderStep ?? null}
            ?disabled=${disabled}
            @morph-input=${this.onMorphInput}
            @morph-slot-request=${this.onMorphSlotRequest}
          ></lc-latent-morph>
        </section>
        <section class="card" aria-labelledby="draw-heading">
          <h3 id="draw-heading">Draw and encode</h3>
          <lc-draw-pad
            .probes=${this.probes}
            .labelNames=${this.labelNames}
            ?disabled=${disabled || !this.network?.canEncode}
            @image-input=${this.onImageInput}
          ></lc-draw-pad>
        </section>
        <section class="card" aria-labelledby="denoise-heading">
          <h3 id="denoise-heading">Denoise</h3>
          <lc-denoise-view
            .probes=${this.probes}
            .labelNames=${this.labelNames}
            .network=${this.network}
            .encoderStep=${this.network?.encoderStep ?? null}
            .decoderStep=${this.network?.decoderStep ?? null}
          ></lc-denoise-view>
        </section>
      </div>
    `;
  }

  protected renderPreview(disabled: boolean) {
    return html`
      <section class="card preview" aria-labelledby="preview-heading">
        <h3 id="preview-heading">Decoded image</h3>
        <lc-latent-preview
          .pixels=${this.decoded?.pixels ?? null}
          .caption=${this.captionText()}
          .sourceLabel=${this.sourceLabel}
          .notice=${this.notice}
          .walking=${this.walking}
          .centreLabel=${this.modelKind === 'vae' ? 'Centre' : 'Mean'}
          .vector=${this.ready ? this.current : null}
          ?disabled=${disabled}
          @preview-action=${this.onPreviewAction}
        ></lc-latent-preview>
      </section>
    `;
  }

  protected captionText(): string {
    if (this.loadState === 'failed') return 'Decoding is unavailable';
    if (this.decoderWeights === null) return 'Waiting for the decoder weights…';
    if (this.loadState !== 'ready') return 'Loading TensorFlow.js…';
    if (this.decoded === null) return `Decoding… · ${this.backendCaption}`;
    return `Decoded at step ${formatCount(this.decoded.step)} · ${this.backendCaption}`;
  }

  protected rangeText(): string {
    if (this.modelKind === 'vae') return 'ranges ±3σ of the prior';
    return this.latentMap === null ? 'ranges until the first codes: ±1' : `ranges from ${this.latentMap.count} codes`;
  }
}

function isSelectDetail(detail: unknown): detail is LatentSelectDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const { z, label, slot } = detail as Record<string, unknown>;
  if (!Array.isArray(z) || !z.every((value) => typeof value === 'number' && Number.isFinite(value))) return false;
  if (label !== undefined && typeof label !== 'string') return false;
  return slot === undefined || slot === 'current' || slot === 'A' || slot === 'B';
}

customElements.define('lc-latent-explorer', LcLatentExplorer);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-explorer': LcLatentExplorer;
  }
}
