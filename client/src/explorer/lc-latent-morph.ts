import { css, html, LitElement } from 'lit';
import type { PropertyValues } from 'lit';

import { interpolate } from '../../../shared/latent/interpolate';
import type { InterpolationKind } from '../../../shared/latent/interpolate';
import { controlStyles } from './control-styles';
import type { LatentNetwork } from './latent-network';
import './lc-latent-image';

/** Seconds a playing morph takes from A to B; it then turns back towards A. */
const MORPH_SECONDS = 4;

/** Positions of the scrubber, so that a keyboard arrow press moves 1% of the way. */
const SCRUBBER_STEPS = 100;

/** A latent vector slot of the morph. */
export type MorphSlot = 'A' | 'B';

/** Detail of the `morph-input` event. */
export interface MorphInputDetail {
  /** Interpolated vector at the scrubber's position. */
  z: number[];
  /** Scrubber position, 0 at A and 1 at B. */
  position: number;
}

/** Detail of the `morph-slot-request` event. */
export interface MorphSlotRequestDetail {
  /** Slot to fill with the explorer's current vector. */
  slot: MorphSlot;
}

/**
 * A morph between two latent vectors A and B: a scrubber chooses the point
 * on the path, Play moves along it back and forth, and the viewer chooses
 * linear or spherical interpolation. Each slot shows its decoded image.
 *
 * The explorer owns the slots, because the gallery can fill them too; the
 * buttons here only request that the current vector be copied into one.
 *
 * @fires morph-input - the morph moved to a new vector; detail: MorphInputDetail
 * @fires morph-slot-request - the viewer asked to set a slot from the current vector; detail: MorphSlotRequestDetail
 */
export class LcLatentMorph extends LitElement {
  static override properties = {
    a: { attribute: false },
    b: { attribute: false },
    network: { attribute: false },
    decoderStep: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    kind: { state: true },
    position: { state: true },
    playing: { state: true },
    thumbnails: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      .slots {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
      }

      figure {
        display: grid;
        gap: 0.4rem;
        margin: 0;
      }

      figure {
        justify-items: center;
      }

      figcaption {
        font-weight: 650;
      }

      lc-latent-image {
        --lc-latent-image-size: min(100%, 8rem);
      }

      figure button {
        width: min(100%, 8rem);
        padding-inline: 0.4em;
        white-space: nowrap;
      }

      .empty {
        display: grid;
        place-items: center;
        box-sizing: border-box;
        width: min(100%, 8rem);
        aspect-ratio: 1;
        border: 1px dashed var(--lc-border, #2c3441);
        border-radius: 0.35rem;
        font-size: 0.8rem;
        text-align: center;
      }

      fieldset {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0.75rem 0 0;
        padding: 0;
        border: 0;
      }

      legend {
        float: left;
        margin-right: 0.25rem;
        padding: 0;
        color: var(--lc-text-muted, #9aa6b5);
      }

      fieldset label {
        display: inline-flex;
        align-items: center;
        gap: 0.3rem;
      }

      .scrub {
        display: grid;
        grid-template-columns: auto 1fr auto;
        align-items: center;
        gap: 0.75rem;
        margin-top: 0.75rem;
      }

      .scrub input {
        width: 100%;
        height: 1.75rem;
      }

      .scrub output {
        min-width: 3ch;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** Start vector of the morph, one value per latent dimension; null until set. */
  declare a: readonly number[] | null;
  /** End vector of the morph, one value per latent dimension; null until set. */
  declare b: readonly number[] | null;
  /** Network that decodes the slot images; null shows none. */
  declare network: LatentNetwork | null;
  /** Training step of the decoder weights, so slot images are decoded again when new weights arrive. */
  declare decoderStep: number | null;
  /** Disables every control, for example while there are no decoder weights yet. */
  declare disabled: boolean;
  /** Straight line or great circle between A and B. */
  declare protected kind: InterpolationKind;
  /** Scrubber position, 0 at A and 1 at B. */
  declare protected position: number;
  /** Whether Play moves the scrubber. */
  declare protected playing: boolean;
  /** Decoded images of A and B, 784 values each. */
  declare protected thumbnails: { A: Float32Array | null; B: Float32Array | null };

  private frame: number | null;
  private lastTime: number | null;
  /** +1 while playing towards B, -1 towards A. */
  private direction: 1 | -1;

  constructor() {
    super();
    this.a = null;
    this.b = null;
    this.network = null;
    this.decoderStep = null;
    this.disabled = false;
    this.kind = 'linear';
    this.position = 0;
    this.playing = false;
    this.thumbnails = { A: null, B: null };
    this.frame = null;
    this.lastTime = null;
    this.direction = 1;
  }

  /** Stops the playing morph, for example when the viewer takes over with a slider. */
  pause(): void {
    this.playing = false;
    this.stopFrames();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.pause();
  }

  protected override willUpdate(): void {
    if ((this.a === null || this.b === null) && this.playing) this.pause();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('a') || changed.has('network') || changed.has('decoderStep')) void this.decodeThumbnail('A', this.a);
    if (changed.has('b') || changed.has('network') || changed.has('decoderStep')) void this.decodeThumbnail('B', this.b);
  }

  protected override render() {
    const ready = this.a !== null && this.b !== null && !this.disabled;
    return html`
      <div class="slots">${this.renderSlot('A', this.a)} ${this.renderSlot('B', this.b)}</div>
      <fieldset ?disabled=${this.disabled}>
        <legend>Interpolation</legend>
        ${this.renderKind('linear', 'Linear')} ${this.renderKind('spherical', 'Spherical')}
      </fieldset>
      <div class="scrub">
        <button
          type="button"
          aria-pressed=${this.playing ? 'true' : 'false'}
          ?disabled=${!ready}
          data-testid="morph-play"
          @click=${this.togglePlay}
        >
          ${this.playing ? 'Pause' : 'Play'}
        </button>
        <input
          type="range"
          min="0"
          max="1"
          step=${1 / SCRUBBER_STEPS}
          aria-label="Morph position from A to B"
          .value=${String(this.position)}
          ?disabled=${!ready}
          data-testid="morph-scrubber"
          @input=${this.onScrub}
        />
        <output aria-hidden="true">${Math.round(this.position * 100)}%</output>
      </div>
    `;
  }

  protected renderSlot(slot: MorphSlot, vector: readonly number[] | null) {
    return html`
      <figure>
        <figcaption>${slot}</figcaption>
        ${vector === null
          ? html`<div class="empty muted">empty</div>`
          : html`<lc-latent-image .pixels=${this.thumbnails[slot]} label="Decoded image of slot ${slot}"></lc-latent-image>`}
        <button
          type="button"
          aria-label="Set slot ${slot} to the current vector"
          ?disabled=${this.disabled}
          data-testid="morph-set-${slot.toLowerCase()}"
          @click=${() => this.requestSlot(slot)}
        >
          Use current
        </button>
      </figure>
    `;
  }

  protected renderKind(kind: InterpolationKind, label: string) {
    return html`<label
      ><input type="radio" name="kind" value=${kind} .checked=${this.kind === kind} @change=${() => this.setKind(kind)} />${label}</label
    >`;
  }

  protected setKind(kind: InterpolationKind): void {
    this.kind = kind;
    this.emitVector();
  }

  protected requestSlot(slot: MorphSlot): void {
    this.dispatchEvent(new CustomEvent<MorphSlotRequestDetail>('morph-slot-request', { detail: { slot }, bubbles: true }));
  }

  protected onScrub(event: Event): void {
    this.pause();
    this.position = (event.target as HTMLInputElement).valueAsNumber;
    this.emitVector();
  }

  protected togglePlay(): void {
    if (this.playing) {
      this.pause();
      return;
    }
    this.playing = true;
    this.lastTime = null;
    if (this.position >= 1) this.direction = -1;
    if (this.position <= 0) this.direction = 1;
    this.frame = requestAnimationFrame((time) => this.advance(time));
  }

  protected advance(time: number): void {
    if (!this.playing) return;
    const seconds = this.lastTime === null ? 0 : (time - this.lastTime) / 1000;
    this.lastTime = time;

    let position = this.position + (this.direction * seconds) / MORPH_SECONDS;
    if (position >= 1 || position <= 0) {
      position = Math.min(1, Math.max(0, position));
      this.direction = this.direction === 1 ? -1 : 1;
    }
    this.position = position;
    this.emitVector();
    this.frame = requestAnimationFrame((next) => this.advance(next));
  }

  protected emitVector(): void {
    if (this.a === null || this.b === null || this.a.length !== this.b.length) return;
    const z = interpolate(this.kind, this.a, this.b, this.position);
    this.dispatchEvent(new CustomEvent<MorphInputDetail>('morph-input', { detail: { z, position: this.position }, bubbles: true }));
  }

  protected async decodeThumbnail(slot: MorphSlot, vector: readonly number[] | null): Promise<void> {
    const network = this.network;
    if (vector === null || network === null || !network.canDecode || vector.length !== network.latentSize) {
      this.thumbnails = { ...this.thumbnails, [slot]: null };
      return;
    }
    try {
      const pixels = await network.decode(vector);
      // A slot that changed while this decode ran has a newer decode of its own on the way.
      if ((slot === 'A' ? this.a : this.b) !== vector) return;
      this.thumbnails = { ...this.thumbnails, [slot]: pixels };
    } catch (error) {
      console.warn(`latentcast: failed to decode morph slot ${slot}`, error);
    }
  }

  private stopFrames(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }
}

customElements.define('lc-latent-morph', LcLatentMorph);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-morph': LcLatentMorph;
  }
}
