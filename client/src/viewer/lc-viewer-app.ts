import { css, html, LitElement, nothing } from 'lit';

import type { Topic } from '../../../shared/protocol/topics';
import { LiveConnection, LiveStore, socketUrl } from '../live/connection';
import { samplesPerSecond } from '../live/throughput';
import '../components/lc-gallery';
import '../components/lc-loss-chart';
import '../components/lc-recon-history';
import '../components/lc-status-bar';
import '../components/lc-weight-histograms';
import '../components/lc-weight-tiles';
import '../explorer/lc-latent-explorer';
import '../polls/lc-poll';
import '../runs/lc-new-run-notice';
import './lc-network-panel';

/**
 * Topics the dashboard shows. `reconstruction-history` carries the latest
 * reconstructions too, so the page needs no `reconstructions`. `weights`
 * feeds the weight tiles, the network diagram and the latent explorer.
 */
const VIEWER_TOPICS: readonly Topic[] = ['status', 'loss', 'reconstruction-history', 'weights', 'weight-histograms', 'latent', 'gallery', 'polls'];

/** Step and loss of the newest loss point in the store, or null before the first. */
function latestLoss(store: LiveStore): { step: number; loss: number } | null {
  const last = store.steps.length - 1;
  return last < 0 ? null : { step: store.steps[last], loss: store.losses[last] };
}

/**
 * The viewer page: status bar, loss chart, reconstructions, network diagram,
 * weights and latent explorer of one training run, kept live over a
 * WebSocket to the host that serves the page.
 */
export class LcViewerApp extends LitElement {
  static override properties = {
    socketUrl: { attribute: 'socket-url' },
  };

  static override styles = css`
    :host {
      display: block;
      box-sizing: border-box;
      max-width: 3200px;
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
      grid-template-areas: 'loss' 'recon' 'network' 'tiles' 'histograms';
      gap: 1rem;
      margin-top: 1rem;
    }

    .loss {
      grid-area: loss;
    }

    .recon {
      grid-area: recon;
      /* Four pairs per row on a third of a 1920-pixel screen, so 8 to 16 probes take two to four rows. */
      --lc-recon-pair-min-width: 6rem;
    }

    .network {
      grid-area: network;
    }

    .tiles {
      grid-area: tiles;
    }

    .histograms {
      grid-area: histograms;
    }

    .explorer {
      margin-top: 1rem;
    }

    .gallery,
    .poll {
      margin-top: 1rem;
    }

    /* Loss and reconstructions side by side, sized so that they fit a 1280×720 stream without scrolling. */
    @media (min-width: 900px) {
      .panels {
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        grid-template-areas: 'loss recon' 'network tiles' 'histograms histograms';
        align-items: start;
      }

      lc-loss-chart {
        --lc-loss-chart-height: clamp(240px, calc(100vh - 420px), 560px);
      }
    }

    /* Wide screens: the loss chart gets two thirds of the first row, and the weights share the second. */
    @media (min-width: 1500px) {
      .panels {
        grid-template-columns: minmax(0, 1.1fr) minmax(0, 0.9fr) minmax(0, 1fr);
        grid-template-areas: 'loss loss recon' 'network tiles histograms';
      }

      lc-loss-chart {
        --lc-loss-chart-height: clamp(240px, calc(100vh - 700px), 560px);
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
        <lc-status-bar
          .status=${store.status}
          .connection=${store.connection}
          .latestLoss=${latestLoss(store)}
          .samplesPerSecond=${samplesPerSecond(store.steps, store.elapsedMs, store.config?.batchSize ?? 0)}
        ></lc-status-bar>
      </section>
      ${this.renderPoll()}
      <div class="panels">
        <section class="panel loss" aria-labelledby="loss-heading">
          <h2 id="loss-heading">Loss</h2>
          <lc-loss-chart
            data-testid="loss-chart"
            controls
            smoothing="0.6"
            .steps=${store.steps}
            .losses=${store.losses}
            .elapsedMs=${store.elapsedMs}
            .epochs=${store.epochs}
            .runStartedAt=${store.status?.runStartedAt ?? 0}
            .lossKind=${store.config?.loss ?? ''}
          ></lc-loss-chart>
        </section>
        <section class="panel recon" aria-labelledby="recon-heading">
          <h2 id="recon-heading">Reconstructions</h2>
          <lc-recon-history data-testid="recon-history" .history=${store.reconstructionHistory}></lc-recon-history>
        </section>
        <section class="panel network" aria-labelledby="network-heading">
          <h2 id="network-heading">Network</h2>
          <lc-network-panel
            data-testid="network-panel"
            .encoder=${store.encoderWeights}
            .decoder=${store.decoderWeights}
            .probes=${store.probes}
            .labelNames=${store.status?.dataset?.labelNames ?? []}
            .layerSizes=${store.status?.layerSizes ?? null}
          ></lc-network-panel>
        </section>
        <section class="panel tiles" aria-labelledby="tiles-heading">
          <h2 id="tiles-heading">First-layer weights</h2>
          <lc-weight-tiles .snapshot=${store.encoderWeights}></lc-weight-tiles>
        </section>
        <section class="panel histograms" aria-labelledby="histograms-heading">
          <h2 id="histograms-heading">Weight histograms</h2>
          <lc-weight-histograms .histograms=${store.weightHistograms}></lc-weight-histograms>
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
