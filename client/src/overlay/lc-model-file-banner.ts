import { css, html, LitElement, nothing } from 'lit';

import type { ModelFileFailure } from '../../../shared/training';

/**
 * A banner on the overlay with the latest error of the
 * streamer's model file: what failed, then the file and line, so that the
 * audience reads the error along with the code on stream. It shows only when
 * the host runs with --show-errors-on-overlay, and disappears once a save
 * loads again.
 */
export class LcModelFileBanner extends LitElement {
  static override properties = {
    failure: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
    }

    .banner {
      box-sizing: border-box;
      max-width: 72rem;
      margin: 0 auto;
      padding: 0.75rem 1.25rem;
      border: 2px solid var(--lc-danger, #ff6b6b);
      border-left-width: 0.5rem;
      border-radius: 0.6rem;
      background: var(--lc-overlay-surface, rgba(13, 17, 23, 0.86));
      color: var(--lc-text, #eef2f7);
      font-size: 1.25rem;
    }

    .title {
      margin: 0 0 0.35rem;
      color: var(--lc-danger, #ff6b6b);
      font-size: 0.95rem;
      font-weight: 700;
      letter-spacing: 0.06em;
      text-transform: uppercase;
    }

    .message {
      margin: 0;
      overflow-wrap: anywhere;
    }

    .location {
      font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
      font-weight: 700;
    }
  `;

  /** The model file's latest failure from the host status; null, or one without `showOnOverlay`, shows nothing. */
  declare failure: ModelFileFailure | null;

  constructor() {
    super();
    this.failure = null;
  }

  protected override render() {
    const failure = this.failure;
    if (!failure?.showOnOverlay) return nothing;
    return html`
      <div class="banner" role="alert" data-testid="model-file-error">
        <p class="title">Model file not loaded · the previous model keeps training</p>
        <p class="message">${this.renderLocation(failure)}${failure.message}</p>
      </div>
    `;
  }

  protected renderLocation(failure: ModelFileFailure) {
    const location = failure.location;
    if (!location) return nothing;
    const column = location.column === undefined ? '' : `:${location.column}`;
    return html`<span class="location" data-testid="model-file-error-location">${location.file}:${location.line}${column}</span> · `;
  }
}

customElements.define('lc-model-file-banner', LcModelFileBanner);

declare global {
  interface HTMLElementTagNameMap {
    'lc-model-file-banner': LcModelFileBanner;
  }
}
