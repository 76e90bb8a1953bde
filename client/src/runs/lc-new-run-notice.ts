import { css, html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

/** Milliseconds the notice stays up, long enough to be read on stream. */
const SHOW_MS = 90_000;

/**
 * A banner that states that a new run replaced the one the page showed, and why,
 * such as "New run: latent size 8 → 16 (host panel)". The charts have
 * restarted by then, so the banner explains the empty loss chart. It hides
 * itself after SHOW_MS or when dismissed, and shows again for the next run.
 */
export class LcNewRunNotice extends LitElement {
  static override properties = {
    newRun: { attribute: false },
    dismissed: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
    }

    .notice {
      display: flex;
      align-items: center;
      gap: 1rem;
      margin: 0 0 1rem;
      padding: 0.6rem 1rem;
      border: 1px solid var(--lc-accent, #58c4ff);
      border-left-width: 6px;
      border-radius: 0.5rem;
      background: var(--lc-surface-raised, #232a35);
      color: var(--lc-text, #e8edf4);
      font-size: 1.1rem;
    }

    p {
      flex: 1;
      margin: 0;
    }

    button {
      font: inherit;
      font-size: 0.9rem;
    }
  `;

  /** The run that replaced the one the page showed, and its start reason; null shows nothing. */
  declare newRun: { runId: string; reason: string } | null;
  /** Whether the streamer dismissed the notice or its time ran out. */
  declare protected dismissed: boolean;

  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    this.newRun = null;
    this.dismissed = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.clearTimer();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('newRun') || this.newRun === null) return;
    if ((changed.get('newRun') as LcNewRunNotice['newRun'] | undefined)?.runId === this.newRun.runId) return;
    this.dismissed = false;
    this.clearTimer();
    this.timer = setTimeout(() => (this.dismissed = true), SHOW_MS);
  }

  protected override render() {
    if (this.newRun === null || this.dismissed) return nothing;
    return html`
      <div class="notice" role="status" data-testid="new-run-notice">
        <p>New run: ${this.newRun.reason}</p>
        <button type="button" @click=${this.dismiss}>Dismiss</button>
      </div>
    `;
  }

  private dismiss(): void {
    this.dismissed = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

customElements.define('lc-new-run-notice', LcNewRunNotice);

declare global {
  interface HTMLElementTagNameMap {
    'lc-new-run-notice': LcNewRunNotice;
  }
}
