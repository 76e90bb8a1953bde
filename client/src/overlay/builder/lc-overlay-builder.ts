import { css, html, LitElement, nothing } from 'lit';

import { accentColor, DEFAULT_ACCENT, formatOverlayQuery, MAX_SCALE, MIN_SCALE, parseOverlayParams, THEMES } from '../overlay-params';
import type { OverlayParams, OverlayTheme } from '../overlay-params';
import { PANEL_NAMES, PANELS } from '../panel-registry';
import { fitProblems } from './panel-fit';
import type { PanelBox } from './panel-fit';

/** Size of the canvas the overlay is laid out for, which OBS's browser source must match, in pixels. */
export const OVERLAY_WIDTH = 1920;
export const OVERLAY_HEIGHT = 1080;

/** Milliseconds between two checks that the preview's panels fit, since panels grow as data arrive. */
const FIT_CHECK_MS = 1000;

/**
 * The overlay builder (/overlay/builder): pick panels, theme, scale and
 * accent, see the real overlay live in a frame over a checkerboard that
 * shows its transparency, and copy the address for OBS.
 */
export class LcOverlayBuilder extends LitElement {
  static override properties = {
    params: { state: true },
    scaleText: { state: true },
    accentText: { state: true },
    problem: { state: true },
    copyMessage: { state: true },
    previewScale: { state: true },
    fitWarnings: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      box-sizing: border-box;
      max-width: 1600px;
      margin: 0 auto;
      padding: 1.5rem;
      color: var(--lc-text, #e8edf4);
    }

    h1 {
      margin: 0;
      font-size: 1.6rem;
    }

    .intro {
      margin: 0.25rem 0 1.25rem;
      color: var(--lc-text-muted, #9aa6b5);
    }

    .layout {
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      gap: 1.25rem;
    }

    @media (min-width: 1000px) {
      .layout {
        grid-template-columns: 22rem minmax(0, 1fr);
        align-items: start;
      }
    }

    fieldset {
      margin: 0 0 1rem;
      padding: 0.75rem 1rem 1rem;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.6rem;
      background: var(--lc-surface, #161b22);
    }

    legend {
      padding: 0 0.3rem;
      font-weight: 700;
    }

    .panel-choice {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0 0.6rem;
      margin-top: 0.6rem;
      cursor: pointer;
    }

    .panel-choice input {
      grid-row: span 2;
      width: 1.1rem;
      height: 1.1rem;
      margin: 0.15rem 0 0;
    }

    .panel-choice small,
    .hint {
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.85rem;
    }

    .field {
      display: grid;
      gap: 0.3rem;
      margin-top: 0.75rem;
    }

    .row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
    }

    input[type='text'],
    input[type='number'],
    input[readonly] {
      box-sizing: border-box;
      padding: 0.4rem 0.55rem;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.4rem;
      background: var(--lc-bg, #0d1117);
      color: inherit;
      font: inherit;
    }

    input[type='color'] {
      width: 2.6rem;
      height: 2.2rem;
      padding: 0.1rem;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.4rem;
      background: var(--lc-bg, #0d1117);
    }

    button {
      padding: 0.45rem 0.9rem;
      border: 1px solid var(--lc-focus, #58c4ff);
      border-radius: 0.4rem;
      background: var(--lc-surface-raised, #232a35);
      color: inherit;
      font: inherit;
      font-weight: 600;
      cursor: pointer;
    }

    :is(input, button):focus-visible {
      outline: 2px solid var(--lc-focus, #58c4ff);
      outline-offset: 2px;
    }

    .problem {
      margin: 0.5rem 0 0;
      color: #ff9b9b;
    }

    .fit-warning {
      margin: 0 0 1rem;
      padding: 0.5rem 0.75rem;
      border-left: 4px solid #ffa94d;
      background: rgba(255, 169, 77, 0.1);
    }

    .fit-warning p {
      margin: 0;
    }

    .url-row {
      display: flex;
      gap: 0.5rem;
    }

    .url-row input {
      flex: 1;
      min-width: 0;
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      font-size: 0.9rem;
    }

    .copy-message {
      min-height: 1.4em;
      margin: 0.3rem 0 0;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.9rem;
    }

    .obs-size {
      display: flex;
      gap: 2rem;
      margin: 0.75rem 0;
    }

    .obs-size div {
      display: grid;
    }

    .obs-size dt {
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.8rem;
      letter-spacing: 0.05em;
      text-transform: uppercase;
    }

    .obs-size dd {
      margin: 0;
      font-size: 1.6rem;
      font-weight: 700;
      font-variant-numeric: tabular-nums;
    }

    .steps {
      margin: 0 0 1rem;
      padding-left: 1.25rem;
      color: var(--lc-text-muted, #9aa6b5);
    }

    .steps strong {
      color: var(--lc-text, #e8edf4);
    }

    /* A checkerboard, the usual sign of a transparent background. */
    .stage {
      position: relative;
      overflow: hidden;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.4rem;
      background: repeating-conic-gradient(#3a3f47 0% 25%, #5a616b 0% 50%) 0 0 / 24px 24px;
    }

    /* The overlay page has the default light scheme. A frame whose scheme differs from its page's gets an opaque backdrop in Chromium. */
    iframe {
      position: absolute;
      top: 0;
      left: 0;
      border: 0;
      color-scheme: light;
      transform-origin: 0 0;
    }
  `;

  /** Settings the address is made from; always valid. */
  declare protected params: OverlayParams;
  /** Text of the scale field, which may be invalid while the streamer types. */
  declare protected scaleText: string;
  /** Text of the accent field, which may be invalid while the streamer types. */
  declare protected accentText: string;
  /** Reason the latest edit was not applied; empty when it was. */
  declare protected problem: string;
  /** Result of the latest copy, announced to screen readers. */
  declare protected copyMessage: string;
  /** Factor from the 1920×1080 overlay to the preview's width, from 0 to 1. */
  declare protected previewScale: number;
  /** Panels of the preview that overlap or leave the canvas, one sentence each, and empty when all fit. */
  declare protected fitWarnings: string[];

  private resizeObserver: ResizeObserver | null = null;
  private fitTimer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    const parsed = parseOverlayParams(window.location.search, '', PANEL_NAMES, (value) => CSS.supports('color', value));
    this.params = parsed.ok ? parsed.params : { panels: PANEL_NAMES.shownByDefault, theme: 'dark', scale: 1, accent: DEFAULT_ACCENT };
    this.scaleText = String(this.params.scale);
    this.accentText = this.params.accent;
    this.problem = '';
    this.copyMessage = '';
    this.previewScale = 0.5;
    this.fitWarnings = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.fitTimer = setInterval(() => this.checkFit(), FIT_CHECK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    if (this.fitTimer !== null) clearInterval(this.fitTimer);
    this.fitTimer = null;
  }

  protected override firstUpdated(): void {
    const stage = this.renderRoot.querySelector<HTMLElement>('.stage')!;
    this.resizeObserver = new ResizeObserver(() => (this.previewScale = stage.clientWidth / OVERLAY_WIDTH));
    this.resizeObserver.observe(stage);
  }

  /** Returns the overlay's address on this host, which is what OBS loads. */
  overlayUrl(): string {
    return `${window.location.origin}/overlay?${formatOverlayQuery(this.params)}`;
  }

  protected override render() {
    return html`
      <h1>OBS overlay builder</h1>
      <p class="intro">Choose what the overlay shows, check it in the live preview, then add its address to OBS as a Browser source.</p>
      <div class="layout">
        <form @submit=${(event: Event) => event.preventDefault()}>${this.renderPanelChoices()} ${this.renderLook()}</form>
        <section aria-label="Address and preview">${this.renderAddress()} ${this.renderFitWarning()} ${this.renderPreview()}</section>
      </div>
    `;
  }

  protected renderPanelChoices() {
    return html`
      <fieldset>
        <legend>Panels</legend>
        ${PANELS.map(
          (panel) => html`
            <label class="panel-choice">
              <input
                type="checkbox"
                name="panel"
                value=${panel.name}
                data-testid="panel-${panel.name}"
                .checked=${this.params.panels.includes(panel.name)}
                @change=${(event: Event) => this.togglePanel(panel.name, (event.target as HTMLInputElement).checked, event.target as HTMLInputElement)}
              />
              <span>${panel.title} <small>(${panel.name})</small></span>
              <small>${panel.description}</small>
            </label>
          `,
        )}
      </fieldset>
    `;
  }

  protected renderLook() {
    return html`
      <fieldset>
        <legend>Look</legend>
        <div class="row" role="radiogroup" aria-label="Theme">
          ${THEMES.map(
            (theme) => html`<label
              ><input type="radio" name="theme" value=${theme} .checked=${this.params.theme === theme} @change=${() => this.setTheme(theme)} />
              ${theme}</label
            >`,
          )}
        </div>
        <label class="field">
          Scale
          <input
            type="number"
            min=${MIN_SCALE}
            max=${MAX_SCALE}
            step="0.05"
            data-testid="scale"
            .value=${this.scaleText}
            @change=${(event: Event) => this.setScale((event.target as HTMLInputElement).value)}
          />
          <span class="hint">${MIN_SCALE} to ${MAX_SCALE}; 1 fits a 1920×1080 canvas.</span>
        </label>
        <div class="field">
          <label for="accent-text">Accent colour</label>
          <div class="row">
            <input
              type="color"
              aria-label="Pick the accent colour"
              .value=${toHexInput(this.params.accent)}
              @input=${(event: Event) => this.setAccent((event.target as HTMLInputElement).value)}
            />
            <input
              id="accent-text"
              type="text"
              data-testid="accent"
              spellcheck="false"
              .value=${this.accentText}
              @change=${(event: Event) => this.setAccent((event.target as HTMLInputElement).value)}
            />
          </div>
          <span class="hint">Any CSS colour: ff6b6b, tomato, rgb(255 107 107).</span>
        </div>
        ${this.problem ? html`<p class="problem" role="alert" data-testid="builder-problem">${this.problem}</p>` : nothing}
      </fieldset>
    `;
  }

  protected renderAddress() {
    const url = this.overlayUrl();
    return html`
      <label for="overlay-url"><strong>Browser source URL</strong></label>
      <div class="url-row">
        <input id="overlay-url" data-testid="overlay-url" readonly .value=${url} @focus=${(event: Event) => (event.target as HTMLInputElement).select()} />
        <button type="button" data-testid="copy-url" @click=${() => this.copyUrl(url)}>Copy URL</button>
      </div>
      <p class="copy-message" role="status" data-testid="copy-message">${this.copyMessage}</p>
      <dl class="obs-size" aria-label="Browser source size to set in OBS">
        <div><dt>Width</dt><dd data-testid="obs-width">${OVERLAY_WIDTH}</dd></div>
        <div><dt>Height</dt><dd data-testid="obs-height">${OVERLAY_HEIGHT}</dd></div>
      </dl>
      <ol class="steps">
        <li>In OBS, under <strong>Sources</strong>, press <strong>+</strong> and choose <strong>Browser</strong>.</li>
        <li>Paste the URL and set <strong>Width ${OVERLAY_WIDTH}</strong> and <strong>Height ${OVERLAY_HEIGHT}</strong>.</li>
        <li>
          Leave <strong>Shutdown source when not visible</strong> off: hidden, the overlay closes its connection by itself, and shown again it
          has the latest state at once instead of loading from scratch.
        </li>
      </ol>
    `;
  }

  /** Renders the fit warnings in a live region that is always present, so screen readers announce a new warning. */
  protected renderFitWarning() {
    const warned = this.fitWarnings.length > 0;
    return html`
      <div class=${warned ? 'fit-warning' : ''} role="status" data-testid="fit-warning">
        ${warned
          ? html`${this.fitWarnings.map((warning) => html`<p>${warning}</p>`)}
              <p>Choose a smaller scale or fewer panels, or the stream shows them cut off or on top of each other.</p>`
          : nothing}
      </div>
    `;
  }

  protected renderPreview() {
    const scale = this.previewScale;
    return html`
      <div class="stage" style="height: ${Math.round(OVERLAY_HEIGHT * scale)}px">
        <iframe
          title="Live preview of the overlay"
          data-testid="overlay-preview"
          src=${this.overlayUrl()}
          width=${OVERLAY_WIDTH}
          height=${OVERLAY_HEIGHT}
          style="transform: scale(${scale})"
        ></iframe>
      </div>
    `;
  }

  protected togglePanel(name: string, checked: boolean, input: HTMLInputElement): void {
    const chosen = new Set(this.params.panels);
    if (checked) chosen.add(name);
    else chosen.delete(name);
    if (chosen.size === 0) {
      input.checked = true;
      this.problem = 'The overlay needs at least one panel.';
      return;
    }
    this.applyChanges({ panels: PANELS.filter((panel) => chosen.has(panel.name)).map((panel) => panel.name) });
  }

  protected setTheme(theme: OverlayTheme): void {
    this.applyChanges({ theme });
  }

  protected setScale(text: string): void {
    this.scaleText = text;
    const scale = Number(text);
    if (text.trim() === '' || !Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
      this.problem = `Scale "${text}" is invalid; use a number from ${MIN_SCALE} to ${MAX_SCALE}. The address keeps scale ${this.params.scale}.`;
      return;
    }
    this.applyChanges({ scale });
  }

  protected setAccent(text: string): void {
    this.accentText = text;
    const color = accentColor(text);
    if (color === '' || !CSS.supports('color', color)) {
      this.problem = `Accent "${text}" is not a CSS colour. The address keeps ${this.params.accent}.`;
      return;
    }
    this.applyChanges({ accent: color });
  }

  /** Measures the panels of the live preview, which is the real overlay at 1920×1080, and keeps what does not fit. */
  private checkFit(): void {
    const frame = this.renderRoot.querySelector<HTMLIFrameElement>('iframe');
    const panels = frame?.contentDocument?.querySelector('lc-overlay-app')?.shadowRoot?.querySelectorAll<HTMLElement>('[data-panel]');
    if (!panels) return;

    const boxes: PanelBox[] = [...panels].map((panel) => {
      const box = panel.getBoundingClientRect();
      const title = PANELS.find((candidate) => candidate.name === panel.dataset.panel)?.title ?? panel.dataset.panel ?? 'A panel';
      return { title, x: box.x, y: box.y, width: box.width, height: box.height };
    });
    const warnings = fitProblems(boxes, OVERLAY_WIDTH, OVERLAY_HEIGHT);
    if (warnings.join('\n') !== this.fitWarnings.join('\n')) this.fitWarnings = warnings;
  }

  /** Applies valid changes to the address and clears the last problem. */
  private applyChanges(changes: Partial<OverlayParams>): void {
    this.params = { ...this.params, ...changes };
    this.problem = '';
    this.copyMessage = '';
  }

  private async copyUrl(url: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(url);
      this.copyMessage = 'Copied the URL. Paste it into the Browser source in OBS.';
    } catch {
      // The Clipboard API needs a secure context, which a host reached over the network by IP address is not.
      const input = this.renderRoot.querySelector<HTMLInputElement>('#overlay-url')!;
      input.select();
      const copied = document.execCommand('copy');
      this.copyMessage = copied ? 'Copied the URL. Paste it into the Browser source in OBS.' : 'Copying failed. The URL is selected: press Ctrl+C (⌘C on a Mac).';
    }
  }
}

/** Returns a colour as `#rrggbb` for the colour picker, which accepts nothing else; a 2D context converts named and rgb() colours. */
function toHexInput(color: string): string {
  const context = document.createElement('canvas').getContext('2d');
  if (context === null) return '#000000';
  context.fillStyle = '#000000';
  context.fillStyle = color;
  // A colour with transparency comes back as rgba(), which the picker cannot show.
  return /^#[0-9a-f]{6}$/i.test(context.fillStyle) ? context.fillStyle : '#000000';
}

customElements.define('lc-overlay-builder', LcOverlayBuilder);

declare global {
  interface HTMLElementTagNameMap {
    'lc-overlay-builder': LcOverlayBuilder;
  }
}
