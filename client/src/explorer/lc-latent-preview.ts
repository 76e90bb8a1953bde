import { css, html, LitElement, nothing } from 'lit';

import { controlStyles } from './control-styles';
import './lc-gallery-submit';
import './lc-latent-image';

/** Buttons of the preview that change the vector. */
export type PreviewAction = 'random' | 'walk' | 'centre';

/** Detail of the `preview-action` event. */
export interface PreviewActionDetail {
  action: PreviewAction;
}

/**
 * The explorer's decoded image, large, with the step of the weights that
 * made it, what the vector is, the buttons for a random vector, the random
 * walk and the centre, and the form that submits the vector to the gallery.
 *
 * @fires preview-action - the viewer pressed Random, Random walk or Mean; detail: PreviewActionDetail
 */
export class LcLatentPreview extends LitElement {
  static override properties = {
    pixels: { attribute: false },
    caption: {},
    sourceLabel: { attribute: false },
    notice: {},
    walking: { type: Boolean },
    disabled: { type: Boolean, reflect: true },
    centreLabel: { attribute: false },
    vector: { attribute: false },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        gap: 0.6rem;
        align-content: start;
      }

      lc-latent-image {
        --lc-latent-image-size: min(100%, 16rem);
        justify-self: center;
      }

      .caption,
      .source {
        margin: 0;
        font-size: 0.9rem;
        font-variant-numeric: tabular-nums;
        text-align: center;
      }

      .source {
        min-height: 1.3em;
      }

      .notice {
        margin: 0;
        padding: 0.4rem 0.6rem;
        border-radius: 0.4rem;
        background: var(--lc-warning-bg, #5c3b00);
        color: var(--lc-warning-text, #ffd98a);
        font-size: 0.9rem;
      }

      .actions {
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        gap: 0.4rem;
      }

      .actions button {
        padding-inline: 0.7em;
      }

      lc-gallery-submit {
        margin-top: 0.25rem;
        padding-top: 0.75rem;
        border-top: 1px solid var(--lc-border, #2c3441);
      }
    `,
  ];

  /** Decoded image: 784 values in [0, 1], row-major; null shows a black square. */
  declare pixels: Float32Array | null;
  /** Line under the image, such as "Decoded at step 120 · WebGL backend". */
  declare caption: string;
  /** Description of the vector, such as "a random walk"; empty shows nothing. */
  declare sourceLabel: string;
  /** Problem to show above the image, such as a rejected vector; empty shows nothing. */
  declare notice: string;
  /** Whether the random walk is playing, shown by the walk button's pressed state. */
  declare walking: boolean;
  /** Disables the buttons and the gallery form, for example while there are no decoder weights yet. */
  declare disabled: boolean;
  /** Text of the button that moves to the centre: "Mean" for codes, "Centre" for a prior. */
  declare centreLabel: string;
  /** Vector the gallery form submits; null disables the form's button. */
  declare vector: readonly number[] | null;

  constructor() {
    super();
    this.pixels = null;
    this.caption = '';
    this.sourceLabel = '';
    this.notice = '';
    this.walking = false;
    this.disabled = false;
    this.centreLabel = 'Mean';
    this.vector = null;
  }

  protected override render() {
    return html`
      ${this.notice ? html`<p class="notice" role="alert" data-testid="explorer-notice">${this.notice}</p>` : nothing}
      <lc-latent-image
        data-testid="explorer-image"
        .pixels=${this.pixels}
        label="Decoded image of ${this.sourceLabel || 'the current vector'}"
      ></lc-latent-image>
      <p class="caption muted" data-testid="explorer-step">${this.caption}</p>
      <p class="source" aria-live="polite" data-testid="explorer-source">${this.sourceLabel ? `Showing ${this.sourceLabel}` : ''}</p>
      ${this.renderActions()}
      <lc-gallery-submit .vector=${this.vector} ?disabled=${this.disabled}></lc-gallery-submit>
    `;
  }

  protected renderActions() {
    return html`
      <div class="actions">
        <button type="button" ?disabled=${this.disabled} data-testid="explorer-random" @click=${() => this.emit('random')}>Random</button>
        <button
          type="button"
          aria-pressed=${this.walking ? 'true' : 'false'}
          ?disabled=${this.disabled}
          data-testid="explorer-walk"
          @click=${() => this.emit('walk')}
        >
          ${this.walking ? 'Pause walk' : 'Random walk'}
        </button>
        <button type="button" ?disabled=${this.disabled} @click=${() => this.emit('centre')}>${this.centreLabel}</button>
      </div>
    `;
  }

  protected emit(action: PreviewAction): void {
    this.dispatchEvent(new CustomEvent<PreviewActionDetail>('preview-action', { detail: { action }, bubbles: true }));
  }
}

customElements.define('lc-latent-preview', LcLatentPreview);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-preview': LcLatentPreview;
  }
}
