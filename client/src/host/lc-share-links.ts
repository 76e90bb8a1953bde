import { css, html, LitElement, nothing } from 'lit';

import type { HostLinks } from '../../../shared/share-links';
import type { HostApi } from './host-api';
import { panelStyles } from './panel-styles';
import { shareUrls } from './share-urls';
import type { ShareLink } from './share-urls';

/**
 * The viewer link to share with the audience and the overlay URL to paste
 * into an OBS browser source, each with a Copy button. Neither carries the
 * host token. On a panel opened at localhost, the viewer links use the
 * host's network addresses, which the host returns at `GET /api/host/links`.
 */
export class LcShareLinks extends LitElement {
  static override properties = {
    api: { attribute: false },
    origin: {},
    links: { state: true },
    copied: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      .links {
        display: grid;
        grid-template-columns: max-content minmax(0, 1fr) max-content;
        gap: 0.4rem 0.6rem;
        align-items: center;
      }

      input {
        width: 100%;
        min-width: 0;
        box-sizing: border-box;
      }

      .note {
        margin: 0.5rem 0 0;
        font-size: 0.85rem;
      }

      /* A phone's width leaves no room for three columns, so each label goes above its field. */
      @media (max-width: 480px) {
        .links {
          grid-template-columns: minmax(0, 1fr) max-content;
        }

        .links label {
          grid-column: 1 / -1;
        }
      }
    `,
  ];

  /** Client of the host API, with the token, or null, which shows the links of the panel's own origin. */
  declare api: HostApi | null;
  /** Origin the panel was opened at, such as http://127.0.0.1:3000; the page's own by default. */
  declare origin: string;
  /** The host's listening address and network addresses; null until loaded. */
  declare protected links: HostLinks | null;
  /** Label of the link copied last, for the status line. */
  declare protected copied: string;

  constructor() {
    super();
    this.api = null;
    this.origin = window.location.origin;
    this.links = null;
    this.copied = '';
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api) void this.loadLinks();
  }

  protected override render() {
    const urls = shareUrls(this.origin, this.links);
    return html`
      <h2>Links</h2>
      <div class="links">${[...urls.viewer, urls.overlay].map((link) => this.renderLink(link))}</div>
      ${urls.note ? html`<p class="note muted" data-testid="share-note">${urls.note}</p>` : nothing}
      <p class="muted" role="status">${this.copied}</p>
    `;
  }

  protected renderLink(link: ShareLink) {
    return html`
      <label for=${link.id}>${link.label}</label>
      <input id=${link.id} data-testid=${link.id} readonly .value=${link.url} @focus=${(event: Event) => (event.target as HTMLInputElement).select()} />
      <button aria-label="Copy ${link.label.toLowerCase()}" @click=${() => this.copy(link.label, link.url)}>Copy</button>
    `;
  }

  private async loadLinks(): Promise<void> {
    const result = await this.api?.call<HostLinks>('GET', '/api/host/links');
    // When the request fails, the panel keeps its own origin, which is then the best estimate.
    if (result?.ok && result.body) this.links = result.body;
  }

  private async copy(label: string, url: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(url);
      this.copied = `${label} copied.`;
    } catch {
      // The clipboard API needs a secure context, which a LAN address over http is not.
      this.copied = `Copying failed here; select the ${label.toLowerCase()} and press Ctrl+C.`;
    }
  }
}

customElements.define('lc-share-links', LcShareLinks);

declare global {
  interface HTMLElementTagNameMap {
    'lc-share-links': LcShareLinks;
  }
}
