import { css, html, LitElement, nothing } from 'lit';

import { controlStyles } from './control-styles';

/** State of the latest submission. */
type SubmitState = 'idle' | 'sending' | 'sent' | 'failed';

/**
 * An optional title and a button that submit the explorer's current vector
 * to the shared gallery with `POST /api/gallery`. The host decodes the
 * vector itself; a rejection shows the host's own error message.
 */
export class LcGallerySubmit extends LitElement {
  static override properties = {
    vector: { attribute: false },
    endpoint: {},
    disabled: { type: Boolean, reflect: true },
    titleText: { state: true },
    state: { state: true },
    message: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      form {
        display: grid;
        gap: 0.5rem;
      }

      button {
        justify-self: end;
      }

      label {
        display: grid;
        gap: 0.25rem;
        font-size: 0.9rem;
      }

      input {
        width: 100%;
      }

      .message {
        margin: 0;
        font-size: 0.9rem;
      }

      .message[data-state='failed'] {
        color: var(--lc-error-text, #ff8a8a);
      }

      .message[data-state='sent'] {
        color: var(--lc-success-text, #6fe3a0);
      }
    `,
  ];

  /** Latent vector to submit, one value per dimension; null disables the button. */
  declare vector: readonly number[] | null;
  /** URL the submission is POSTed to. */
  declare endpoint: string;
  /** Disables the form, for example while there are no decoder weights yet. */
  declare disabled: boolean;
  /** Title typed by the viewer; left out of the request when empty. */
  declare protected titleText: string;
  declare protected state: SubmitState;
  /** Result of the latest submission, shown under the form. */
  declare protected message: string;

  constructor() {
    super();
    this.vector = null;
    this.endpoint = '/api/gallery';
    this.disabled = false;
    this.titleText = '';
    this.state = 'idle';
    this.message = '';
  }

  protected override render() {
    const blocked = this.disabled || this.vector === null || this.state === 'sending';
    return html`
      <form @submit=${this.onSubmit}>
        <label
          >Title (optional)
          <input
            type="text"
            name="title"
            autocomplete="off"
            .value=${this.titleText}
            ?disabled=${this.disabled}
            data-testid="explorer-title"
            @input=${(event: Event) => (this.titleText = (event.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" ?disabled=${blocked} data-testid="explorer-submit">
          ${this.state === 'sending' ? 'Submitting…' : 'Submit to gallery'}
        </button>
        <p class="message" role="status" data-state=${this.state} data-testid="explorer-submit-message">
          ${this.message || nothing}
        </p>
      </form>
    `;
  }

  protected async onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.vector === null || this.state === 'sending') return;

    const title = this.titleText.trim();
    const body = title === '' ? { z: [...this.vector] } : { z: [...this.vector], title };
    this.state = 'sending';
    this.message = '';
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        this.fail(await errorMessage(response));
        return;
      }
      const item = (await response.json().catch(() => ({}))) as { awaitingApproval?: boolean };
      this.state = 'sent';
      this.message = title === '' ? 'Submitted to the gallery.' : `Submitted “${title}” to the gallery.`;
      if (item.awaitingApproval) this.message += ' It is awaiting approval: others see it once the host approves it.';
      this.titleText = '';
    } catch (error) {
      this.fail(`The submission failed to reach the host: ${(error as Error).message}`);
    }
  }

  protected fail(message: string): void {
    this.state = 'failed';
    this.message = message;
  }
}

/** Maximum length of the error text shown, in characters, so that an HTML error page does not fill the panel. */
const MAX_MESSAGE_LENGTH = 300;

/** Returns the host's error text: the `error` or `message` field of a JSON body, else the body text, else the status. */
async function errorMessage(response: Response): Promise<string> {
  const prefix = `The gallery rejected the submission (HTTP ${response.status})`;
  const text = await response.text().catch(() => '');
  let detail = text.trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const field = parsed.error ?? parsed.message;
    if (typeof field === 'string') detail = field;
  } catch {
    // Not JSON: the body text is the message.
  }
  if (detail.length > MAX_MESSAGE_LENGTH) detail = `${detail.slice(0, MAX_MESSAGE_LENGTH)}…`;
  return detail ? `${prefix}: ${detail}` : `${prefix}.`;
}

customElements.define('lc-gallery-submit', LcGallerySubmit);

declare global {
  interface HTMLElementTagNameMap {
    'lc-gallery-submit': LcGallerySubmit;
  }
}
