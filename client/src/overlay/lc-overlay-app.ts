import { css, html, LitElement, nothing } from 'lit';

import { socketUrl } from '../live/connection';
import './lc-model-file-banner';
import { parseOverlayParams } from './overlay-params';
import type { OverlayParams } from './overlay-params';
import { OverlaySocket } from './overlay-socket';
import { OverlayStore } from './overlay-store';
import { bannerPlacement, EDGE_MARGIN } from './banner-placement';
import { REGIONS } from './panel';
import type { OverlayPanel, OverlayRegion } from './panel';
import { PANEL_NAMES, panelsNamed, topicsOf } from './panel-registry';
import { themeStyles } from './theme';
import { watchVisibility } from './visibility';

/**
 * The OBS overlay: the panels named in the address, stacked in the corners
 * of a transparent 1920×1080 canvas, kept live over a WebSocket that carries
 * only their topics and the status. An invalid address shows what is wrong
 * instead. A model file error shows across the top when the host enables it.
 *
 * The host element carries `data-connection`, `data-step` (newest training
 * step shown) and `data-run-id`, for tests and for anyone inspecting the source.
 */
export class LcOverlayApp extends LitElement {
  static override properties = {
    theme: { reflect: true },
  };

  static override styles = [
    themeStyles,
    css`
      :host {
        position: fixed;
        inset: 0;
        overflow: hidden;
        color: var(--lc-text);
        font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
        line-height: 1.35;
      }

      /* TODO: each corner stacks its panels without regard to the others, so a large scale or many panels overlap; only the builder reports it. */
      .region {
        position: absolute;
        display: flex;
        gap: 1rem;
      }

      .top-left,
      .top-right {
        top: 1.5rem;
        flex-direction: column;
      }

      /* Bottom stacks grow upwards, so the lowest-ranked panel sits in the corner. */
      .bottom-left,
      .bottom-right {
        bottom: 1.5rem;
        flex-direction: column-reverse;
      }

      .top-left,
      .bottom-left {
        left: 1.5rem;
        align-items: flex-start;
      }

      .top-right,
      .bottom-right {
        right: 1.5rem;
        align-items: flex-end;
      }

      .panel {
        box-sizing: border-box;
        width: var(--panel-width);
        padding: 0.7rem 1rem 0.85rem;
        border: 1px solid var(--lc-border);
        border-top: 0.25rem solid var(--lc-accent);
        border-radius: 0.6rem;
        background: var(--lc-overlay-surface);
        transition: opacity 0.3s;
      }

      /* Data shown while the host is away may be stale. */
      :host([data-connection='reconnecting']) .panel {
        opacity: 0.6;
      }

      .panel-error {
        margin: 0;
        color: var(--lc-danger, #ff6b6b);
      }

      h2 {
        margin: 0 0 0.5rem;
        color: var(--lc-accent);
        font-size: 0.85rem;
        letter-spacing: 0.08em;
        text-transform: uppercase;
      }

      /* The inline style sets the edge and the insets that keep it clear of the corner stacks. */
      .model-file-error {
        position: absolute;
        z-index: 1;
      }

      .problems {
        position: absolute;
        top: 50%;
        left: 50%;
        box-sizing: border-box;
        width: min(60rem, calc(100% - 3rem));
        padding: 1.5rem 2rem;
        border: 2px solid #ff6b6b;
        border-radius: 0.75rem;
        background: #1b0f12;
        color: #fff;
        font-size: 1.25rem;
        transform: translate(-50%, -50%);
      }

      .problems h1 {
        margin: 0 0 0.75rem;
        font-size: 1.5rem;
      }

      .problems li + li {
        margin-top: 0.5rem;
      }

      .problems p {
        margin: 1rem 0 0;
        color: #ffd6d6;
      }
    `,
  ];

  /** Colour theme from the address, reflected so the theme styles apply. */
  declare theme: OverlayParams['theme'];

  private params: OverlayParams | null = null;
  private problems: string[] = [];
  private panels: OverlayPanel[] = [];
  /** Run state the panels show; read it, never write it, from outside. */
  readonly store = new OverlayStore();
  private socket: OverlaySocket | null = null;
  private stopWatching: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private renderFrame: number | null = null;
  /** Renders once a second while a shown panel can be empty, since its news can expire without a frame. */
  private emptinessTimer: ReturnType<typeof setInterval> | null = null;
  /** Latest render error of each failing panel, by name. */
  private readonly panelErrors = new Map<string, string>();

  constructor() {
    super();
    this.theme = 'dark';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const parsed = parseOverlayParams(window.location.search, window.location.hash, PANEL_NAMES, (value) => CSS.supports('color', value));
    if (!parsed.ok) {
      this.problems = parsed.problems;
      this.dataset.connection = 'invalid';
      console.error(`latentcast overlay: invalid address ${window.location.href}: ${parsed.problems.join(' ')}`);
      return;
    }

    this.applyParams(parsed.params);
    this.unsubscribe = this.store.subscribe(() => this.scheduleRender());
    this.socket = new OverlaySocket({
      // The status topic carries the model file's error for the banner, whatever panels are shown.
      url: socketUrl([...new Set([...topicsOf(this.panels), 'status' as const])]),
      onFrame: (frame) => this.store.applyFrame(frame),
      onState: (state) => this.store.setConnection(state),
    });
    if (this.panels.some((panel) => panel.isEmpty)) this.emptinessTimer = setInterval(() => this.scheduleRender(), 1000);
    this.stopWatching = watchVisibility((visible) => (visible ? this.socket?.resume() : this.socket?.pause()));
    if (document.visibilityState === 'hidden') this.socket.pause();
    this.socket.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.socket?.stop();
    this.socket = null;
    this.stopWatching?.();
    this.stopWatching = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.renderFrame !== null) cancelAnimationFrame(this.renderFrame);
    this.renderFrame = null;
    if (this.emptinessTimer !== null) clearInterval(this.emptinessTimer);
    this.emptinessTimer = null;
  }

  protected override render() {
    if (this.problems.length > 0) return this.renderProblems();
    const visible = this.visiblePanels();
    return [this.renderModelFileError(visible), ...REGIONS.map((region) => this.renderRegion(region, visible))];
  }

  /**
   * Renders the model file's latest error between the corner stacks of the
   * freer edge. The banner shows only when the host runs with --show-errors-on-overlay.
   */
  protected renderModelFileError(visible: readonly OverlayPanel[]) {
    const placement = bannerPlacement(visible);
    const style = `${placement.edge}: ${EDGE_MARGIN}rem; left: ${placement.left}rem; right: ${placement.right}rem`;
    return html`<lc-model-file-banner class="model-file-error" style=${style} .failure=${this.store.status?.modelFileError ?? null}></lc-model-file-banner>`;
  }

  protected renderRegion(region: OverlayRegion, visible: readonly OverlayPanel[]) {
    const panels = visible.filter((panel) => panel.region === region);
    if (panels.length === 0) return nothing;
    return html`<div class="region ${region}">${panels.map((panel) => this.renderPanel(panel))}</div>`;
  }

  protected renderPanel(panel: OverlayPanel) {
    return html`
      <section class="panel" data-panel=${panel.name} style="--panel-width: ${panel.width}rem" aria-labelledby="panel-${panel.name}">
        <h2 id="panel-${panel.name}">${panel.title}</h2>
        ${this.renderPanelContent(panel)}
      </section>
    `;
  }

  /** Renders one panel's content; a panel that throws shows its error, and the other panels stay live. */
  protected renderPanelContent(panel: OverlayPanel) {
    try {
      const content = panel.render({ store: this.store, params: this.params! });
      this.panelErrors.delete(panel.name);
      return content;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The page renders several times a second, so only a new message is logged.
      if (this.panelErrors.get(panel.name) !== message) console.error(`latentcast overlay: panel "${panel.name}" failed to render`, error);
      this.panelErrors.set(panel.name, message);
      return html`<p class="panel-error">This panel failed: ${message}</p>`;
    }
  }

  protected renderProblems() {
    return html`
      <div class="problems" role="alert" data-testid="overlay-problems">
        <h1>The overlay address needs a fix</h1>
        <ul>
          ${this.problems.map((problem) => html`<li>${problem}</li>`)}
        </ul>
        <p>Open /overlay/builder on the host to make a valid address.</p>
      </div>
    `;
  }

  protected override updated(): void {
    if (this.problems.length > 0) return;
    this.dataset.connection = this.store.connection;
    this.dataset.step = String(this.store.latestStep);
    this.dataset.runId = this.store.status?.runId ?? '';
  }

  /** Applies the theme, the accent and the scale, which sets the root font size that every rem is relative to. */
  /** Returns the requested panels that have something to show now. */
  private visiblePanels(): OverlayPanel[] {
    return this.panels.filter((panel) => !panel.isEmpty?.({ store: this.store, params: this.params! }));
  }

  private applyParams(params: OverlayParams): void {
    this.params = params;
    this.panels = panelsNamed(params.panels);
    this.theme = params.theme;
    this.style.setProperty('--lc-accent', params.accent);
    document.documentElement.style.fontSize = `${16 * params.scale}px`;
  }

  // Frames arrive in bursts (a join snapshot, a batch of losses), so the page renders at most once per frame.
  private scheduleRender(): void {
    if (this.renderFrame !== null) return;
    this.renderFrame = requestAnimationFrame(() => {
      this.renderFrame = null;
      this.requestUpdate();
    });
  }
}

customElements.define('lc-overlay-app', LcOverlayApp);

declare global {
  interface HTMLElementTagNameMap {
    'lc-overlay-app': LcOverlayApp;
  }
}
