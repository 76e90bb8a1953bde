import { css, html, LitElement } from 'lit';

import { panelStyles } from './panel-styles';

/**
 * The viewer link to share with the audience and the overlay URL to paste
 * into an OBS browser source, each with a Copy button. Neither carries the
 * host token.
 */
export class LcShareLinks extends LitElement {
  static override properties = {
    origin: {},
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
        box-sizing: border-box;
      }
    `,
  ];

  /** Origin the links start with, such as http://127.0.0.1:3000; the page's own by default. */
  declare origin: string;
  /** Label of the link copied last, for the status line. */
  declare protected copied: string;

  constructor() {
    super();
    this.origin = window.location.origin;
    this.copied = '';
  }

  protected override render() {
    const links = [
      { id: 'viewer-link', label: 'Viewer link', url: `${this.origin}/` },
      { id: 'overlay-link', label: 'Overlay URL', url: `${this.origin}/overlay` },
    ];
    return html`
      <h2>Links</h2>
      <div class="links">
        ${links.map(
          (link) => html`
            <label for=${link.id}>${link.label}</label>
            <input id=${link.id} readonly .value=${link.url} @focus=${(event: Event) => (event.target as HTMLInputElement).select()} />
            <button @click=${() => this.copy(link.label, link.url)}>Copy</button>
          `,
        )}
      </div>
      <p class="muted" role="status">${this.copied}</p>
    `;
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
