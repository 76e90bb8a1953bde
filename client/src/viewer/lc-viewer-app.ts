import { css, html, LitElement, nothing } from 'lit';

import type { Topic } from '../../../shared/protocol/topics';
import { LiveConnection, LiveStore, socketUrl } from '../live/connection';
import '../components/lc-gallery';
import '../components/lc-loss-chart';
import '../components/lc-recon-grid';
import '../components/lc-status-bar';
import '../explorer/lc-latent-explorer';
import '../polls/lc-poll';
import '../runs/lc-new-run-notice';

/** Topics the dashboard shows; `weights` and `latent` feed the latent explorer, which decodes in the browser. */
const VIEWER_TOPICS: readonly Topic[] = ['status', 'loss', 'reconstructions', 'weights', 'latent', 'gallery', 'polls'];

/** Step and loss of the newest loss point in the store, or null before the first. */
function latestLoss(store: LiveStore): { step: number; loss: number } | null {
  const last = store.steps.length - 1;
  return last < 0 ? null : { step: store.steps[last], loss: store.losses[last] };
}

/**
 * The viewer page: header, status bar, loss chart and reconstructions of one
 * training run, kept live over a WebSocket to the host that serves the page.
 */
export class LcViewerApp extends LitElement {
  static override properties = {
    socketUrl: { attribute: 'socket-url' },
  };

  static override styles = css`
    :host {
      display: block;
      box-sizing: border-box;
      max-width: 2400px;
      margin: 0 auto;
      padding: clamp(0.75rem, 2vw, 1.5rem);
      color: var(--lc-text, #e8edf4);
    }

    header {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.25rem 1rem;
      margin-bottom: 1rem;
    }

    h1 {
      margin: 0;
      font-size: 1.6rem;
      letter-spacing: 0.02em;
    }

    .run {
      margin: 0;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 1.05rem;
    }

    .run strong {
      color: var(--lc-text, #e8edf4);
      font-weight: 600;
      white-space: nowrap;
    }

    .panel {
      box-sizing: border-box;
      min-width: 0;
      padding: 1rem;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.75rem;
      background: var(--lc-surface, #161b22);
    }

    h2 {
      margin: 0 0 0.75rem;
      font-size: 1.1rem;
    }

    .panels {
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      gap: 1rem;
      margin-top: 1rem;
    }

    .explorer {
      margin-top: 1rem;
    }

    .gallery,
    .poll {
      margin-top: 1rem;
    }

    /* Two columns, sized so that the page fits a 1280×720 stream without scrolling. */
    @media (min-width: 900px) {
      .panels {
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        align-items: start;
      }

      lc-loss-chart {
        --lc-loss-chart-height: clamp(260px, calc(100vh - 330px), 640px);
      }
    }
  `;

  /** WebSocket URL of the host; defaults to `/ws` on the page's own host. Read once, at connect. */
  declare socketUrl: string;

  private store: LiveStore;
  private connection: LiveConnection | null;
  private unsubscribe: (() => void) | null;

  constructor() {
    super();
    this.socketUrl = '';
    this.store = new LiveStore();
    this.connection = null;
    this.unsubscribe = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.store.subscribe(() => this.requestUpdate());
    this.connection = this.socketUrl ? new LiveConnection(this.store, this.socketUrl) : new LiveConnection(this.store, socketUrl(VIEWER_TOPICS));
    this.connection.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.stop();
    this.connection = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  protected override render() {
    const store = this.store;
    return html`
      ${this.renderHeader()}
      <lc-new-run-notice .newRun=${store.newRun}></lc-new-run-notice>
      <section class="panel" aria-label="Training status">
        <lc-status-bar .status=${store.status} .connection=${store.connection} .latestLoss=${latestLoss(store)}></lc-status-bar>
      </section>
      ${this.renderPoll()}
      <div class="panels">
        <section class="panel" aria-labelledby="loss-heading">
          <h2 id="loss-heading">Loss</h2>
          <lc-loss-chart
            data-testid="loss-chart"
            .steps=${store.steps}
            .losses=${store.losses}
            .epochs=${store.epochs}
            .lossKind=${store.config?.loss ?? ''}
          ></lc-loss-chart>
        </section>
        <section class="panel" aria-labelledby="recon-heading">
          <h2 id="recon-heading">Reconstructions</h2>
          <lc-recon-grid data-testid="recon-grid" .reconstructions=${store.reconstructions}></lc-recon-grid>
        </section>
      </div>
      <section class="panel explorer" aria-labelledby="explorer-heading">
        <h2 id="explorer-heading">Latent explorer</h2>
        <lc-latent-explorer
          data-testid="explorer"
          .config=${store.config}
          .labelNames=${store.status?.dataset?.labelNames ?? []}
          .decoderWeights=${store.decoderWeights}
          .encoderWeights=${store.encoderWeights}
          .latentMap=${store.latentMap}
          .probes=${store.probes}
        ></lc-latent-explorer>
      </section>
      <section class="panel gallery" aria-labelledby="gallery-heading">
        <h2 id="gallery-heading">Gallery</h2>
        <lc-gallery data-testid="gallery" .gallery=${store.gallery} run-id=${store.status?.runId ?? ''}></lc-gallery>
      </section>
    `;
  }

  /** Renders the poll panel while a poll is open or a result exists; until the first poll the page has no empty panel. */
  protected renderPoll() {
    const polls = this.store.polls;
    if (!polls.open && !polls.last) return nothing;
    return html`
      <section class="panel poll" aria-labelledby="poll-heading">
        <h2 id="poll-heading">Poll</h2>
        <lc-poll data-testid="viewer-poll" .polls=${polls}></lc-poll>
      </section>
    `;
  }

  protected renderHeader() {
    const config = this.store.config;
    const dataset = this.store.status?.dataset?.name ?? config?.dataset;
    const layers = this.store.status?.layerSizes?.join('-') ?? '';
    return html`
      <header>
        <h1>latentcast</h1>
        ${config === null
          ? html`<p class="run">waiting for the host…</p>`
          : html`<p class="run">
              <strong data-testid="run-dataset">${dataset}</strong> ·
              ${config.model} autoencoder <strong data-testid="run-model">${layers}</strong>
            </p>`}
      </header>
    `;
  }
}

customElements.define('lc-viewer-app', LcViewerApp);

declare global {
  interface HTMLElementTagNameMap {
    'lc-viewer-app': LcViewerApp;
  }
}
