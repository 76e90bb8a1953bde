import { css, html, LitElement, nothing } from 'lit';

import { LiveConnection, LiveStore, socketUrl } from '../live/connection';
import { describeLocation, HostApi, readToken } from './host-api';
import type { RunOverview } from './host-api';
import type { HostRequest } from './panel-styles';
import { panelStyles } from './panel-styles';
import './lc-moderation-queue';
import './lc-poll-admin';
import './lc-run-controls';
import './lc-run-history';
import './lc-run-settings';
import './lc-share-links';
import type { LcModerationQueue } from './lc-moderation-queue';

/** Milliseconds between two reloads of the run overview, which shows restarts that polls or a model file started. */
const OVERVIEW_REFRESH_MS = 5000;

/**
 * The streamer's panel at /host: training state and controls, settings,
 * the runs so far, the links to share and gallery moderation. The token
 * comes from the link printed at start (`/host#token=...`) and leaves the
 * address bar at once, so it does not show on stream. Live state arrives
 * over the status topic; everything else through the host API.
 */
export class LcHostApp extends LitElement {
  static override properties = {
    overview: { state: true },
    message: { state: true },
    failed: { state: true },
    busy: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      :host {
        max-width: 1400px;
        margin: 0 auto;
        padding: 0.75rem 1rem;
      }

      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
      }

      h1 {
        margin: 0;
        font-size: 1.3rem;
      }

      .message {
        min-height: 1.4em;
        margin: 0.5rem 0;
      }

      .message[data-failed='true'] {
        color: var(--lc-danger, #ff6b6b);
      }

      main {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 0.75rem;
      }

      section {
        min-width: 0;
        padding: 0.75rem 0.9rem;
        border: 1px solid var(--lc-border, #2c3441);
        border-radius: 0.6rem;
        background: var(--lc-surface, #161b22);
      }

      /* Grid items are as wide as their widest content by default, which a long gallery title would make wider than the page. */
      .column {
        min-width: 0;
        display: grid;
        gap: 0.75rem;
        align-content: start;
      }

      /* Two columns from a laptop's half screen up: the run on the left, sharing and moderation on the right. */
      @media (min-width: 960px) {
        main {
          grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        }
      }
    `,
  ];

  declare protected overview: RunOverview | null;
  /** Outcome of the latest request, read out by screen readers. */
  declare protected message: string;
  /** Whether the latest request failed. */
  declare protected failed: boolean;
  /** Label of the request in flight, such as a restart that waits for its new run; null when idle. */
  declare protected busy: string | null;

  private api: HostApi | null = null;
  private readonly store = new LiveStore();
  private connection: LiveConnection | null = null;
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private shownRunId = '';

  constructor() {
    super();
    this.overview = null;
    this.message = '';
    this.failed = false;
    this.busy = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const token = readToken();
    if (token === '') {
      this.fail('No host token: open the link that the host printed in its console at start.');
      return;
    }
    this.api = new HostApi(token);
    this.unsubscribe = this.store.subscribe(() => this.onStatus());
    // Status frames come with state changes and epochs; the loss topic keeps the step and loss moving in between.
    this.connection = new LiveConnection(this.store, socketUrl(['status', 'loss']));
    this.connection.start();
    this.timer = setInterval(() => void this.loadOverview(), OVERVIEW_REFRESH_MS);
    void this.loadOverview();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.stop();
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  protected override render() {
    return html`
      <header>
        <h1>latentcast — host</h1>
        <div class="row">
          <span class="muted" data-testid="host-connection">${this.store.connection === 'live' ? 'connected' : this.store.connection}</span>
          <button @click=${this.exportZip} ?disabled=${!this.api}>Export gallery</button>
          <button class="danger" @click=${this.rotateToken} ?disabled=${!this.api}>Rotate token</button>
        </div>
      </header>
      <p class="message" role="status" aria-live="polite" data-testid="host-message" data-failed=${this.failed ? 'true' : 'false'}>
        ${this.busy ? `${this.busy}…` : this.message}
      </p>
      ${this.api ? this.renderMain() : nothing}
    `;
  }

  protected renderMain() {
    const status = this.store.status;
    return html`
      <main @host-request=${this.onRequest}>
        <div class="column">
          <section aria-label="Training">
            <lc-run-controls .status=${status} .latestLoss=${this.latestLoss()} .overview=${this.overview}></lc-run-controls>
          </section>
          <section aria-label="Settings">
            <lc-run-settings .config=${this.overview?.config ?? null}></lc-run-settings>
          </section>
          <section aria-label="Runs">
            <lc-run-history .status=${status} .runs=${this.overview?.earlierRuns ?? []}></lc-run-history>
          </section>
        </div>
        <div class="column">
          <section aria-label="Links">
            <lc-share-links .api=${this.api}></lc-share-links>
          </section>
          <section aria-label="Polls">
            <lc-poll-admin .api=${this.api}></lc-poll-admin>
          </section>
          <section aria-label="Gallery moderation">
            <lc-moderation-queue .api=${this.api}></lc-moderation-queue>
          </section>
        </div>
      </main>
    `;
  }

  /** Returns the step and loss of the newest loss point, or null before the first. */
  private latestLoss(): { step: number; loss: number } | null {
    const last = this.store.steps.length - 1;
    return last < 0 ? null : { step: this.store.steps[last], loss: this.store.losses[last] };
  }

  /** Re-renders on every status and reloads the overview when the run or its state changes. */
  private onStatus(): void {
    const status = this.store.status;
    if (status && (status.runId !== this.shownRunId || status.state !== this.overview?.status.state)) {
      this.shownRunId = status.runId;
      void this.loadOverview();
    }
    this.requestUpdate();
  }

  private async loadOverview(): Promise<void> {
    const result = await this.api?.call<RunOverview>('GET', '/api/host/run');
    if (result?.ok && result.body) this.overview = result.body;
    else if (result && !result.ok) this.fail(result.error ?? 'the host did not return the run');
  }

  private async onRequest(event: CustomEvent<HostRequest>): Promise<void> {
    const request = event.detail;
    if (!this.api) return;
    this.busy = request.label;
    const result = await this.api.call<Partial<RunOverview> & { result?: string }>(request.method, request.path, request.body);
    this.busy = null;

    if (result.body && 'status' in result.body && 'config' in result.body) this.overview = result.body as RunOverview;
    if (result.ok) {
      this.failed = false;
      this.message = `${request.label}: ${result.body?.result ?? 'done'}.`;
    } else {
      const where = result.location ? ` (at ${describeLocation(result.location)})` : '';
      this.fail(`${request.label} failed: ${result.error}${where}`);
    }
    request.done?.(result.ok);
  }

  private async exportZip(): Promise<void> {
    const url = await this.api?.objectUrl('/api/gallery/export');
    if (!url) {
      this.fail('The gallery export failed; see the host log.');
      return;
    }
    const link = document.createElement('a');
    link.href = url;
    link.download = 'latentcast-gallery.zip';
    link.click();
    URL.revokeObjectURL(url);
  }

  private async rotateToken(): Promise<void> {
    if (!this.api || !window.confirm('Rotate the host token? Links with the current token stop working at once.')) return;
    const result = await this.api.call<{ token: string }>('POST', '/api/host/token/rotate');
    if (!result.ok || !result.body) {
      this.fail(`Rotating the token failed: ${result.error}`);
      return;
    }
    this.api.remember(result.body.token);
    this.renderRoot.querySelector<LcModerationQueue>('lc-moderation-queue')?.requestUpdate();
    this.failed = false;
    this.message = 'Token rotated. This tab keeps working; other tabs and the old link need /host#token=<the new token> from the token file.';
  }

  private fail(message: string): void {
    this.failed = true;
    this.message = message;
  }
}

customElements.define('lc-host-app', LcHostApp);

declare global {
  interface HTMLElementTagNameMap {
    'lc-host-app': LcHostApp;
  }
}
