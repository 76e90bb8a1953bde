import { css, html, LitElement } from 'lit';

import type { ModeratedGalleryItem } from '../../../shared/gallery';

/** Session storage key of the host token, so that a reload keeps working after the token left the address bar. */
const TOKEN_KEY = 'latentcast-host-token';

/**
 * The streamer's moderation page at /host: every gallery item, hidden ones
 * included, with its submitter's viewer id, and buttons to hide, show,
 * delete, ban, rotate the token and export. The token comes from the link
 * printed at start (`/host#token=...`) and is removed from the address bar,
 * so it does not show on stream.
 */
export class LcHostApp extends LitElement {
  static override properties = {
    items: { state: true },
    nextCursor: { state: true },
    message: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      max-width: 1200px;
      margin: 0 auto;
      padding: 1rem;
    }

    table {
      width: 100%;
      border-collapse: collapse;
    }

    th,
    td {
      padding: 0.35rem;
      border-bottom: 1px solid var(--lc-border, #2c3441);
      text-align: left;
      vertical-align: middle;
    }

    img {
      width: 56px;
      height: 56px;
      image-rendering: pixelated;
      background: #000;
    }

    tr[data-hidden='true'] td {
      opacity: 0.55;
    }

    code {
      font-size: 0.8rem;
      overflow-wrap: anywhere;
    }

    button {
      font: inherit;
      margin: 0 0.2rem 0.2rem 0;
    }

    .message {
      min-height: 1.4em;
    }
  `;

  /** Items loaded so far, newest first. */
  declare protected items: ModeratedGalleryItem[];
  /** Cursor of the next page, or null when every item is loaded. */
  declare protected nextCursor: string | null;
  /** Result of the latest action. */
  declare protected message: string;

  private token: string;

  constructor() {
    super();
    this.items = [];
    this.nextCursor = null;
    this.message = '';
    this.token = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.token = readToken();
    if (this.token === '') {
      this.message = 'No host token: open the link that the host printed in its console at start.';
      return;
    }
    void this.load(null);
  }

  protected override render() {
    return html`
      <h1>latentcast — host</h1>
      <p>
        <button @click=${() => this.load(null)}>Reload</button>
        <button @click=${this.exportZip}>Export zip</button>
        <button @click=${this.rotateToken}>Rotate token</button>
      </p>
      <p class="message" role="status">${this.message}</p>
      <table>
        <thead>
          <tr><th>Image</th><th>Id</th><th>Title</th><th>Votes</th><th>Viewer</th><th>Actions</th></tr>
        </thead>
        <tbody>
          ${this.items.map((item) => this.renderRow(item))}
        </tbody>
      </table>
      ${this.nextCursor === null ? '' : html`<p><button @click=${() => this.load(this.nextCursor)}>Load more</button></p>`}
    `;
  }

  private renderRow(item: ModeratedGalleryItem) {
    return html`
      <tr data-hidden=${item.hidden ? 'true' : 'false'}>
        <td>${item.hidden ? 'hidden' : html`<img src="/api/gallery/${item.id}.png" alt="" />`}</td>
        <td>${item.id}</td>
        <td>${item.title ?? ''}</td>
        <td>${item.votes}</td>
        <td><code>${item.viewerId}</code></td>
        <td>
          <button @click=${() => this.call(`/api/host/gallery/${item.id}/${item.hidden ? 'unhide' : 'hide'}`, 'POST')}>${item.hidden ? 'Show' : 'Hide'}</button>
          <button @click=${() => this.confirmThen(`Delete item ${item.id} and its votes?`, `/api/host/gallery/${item.id}`, 'DELETE')}>Delete</button>
          <button @click=${() => this.confirmThen(`Ban viewer ${item.viewerId} and hide all their items?`, `/api/host/viewers/${item.viewerId}/ban`, 'POST')}>
            Ban viewer
          </button>
        </td>
      </tr>
    `;
  }

  private async load(cursor: string | null): Promise<void> {
    const response = await this.request(`/api/host/gallery?sort=new&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!response) return;
    const page = (await response.json()) as { items: ModeratedGalleryItem[]; nextCursor: string | null };
    this.items = cursor === null ? page.items : [...this.items, ...page.items];
    this.nextCursor = page.nextCursor;
  }

  private async confirmThen(question: string, path: string, method: string): Promise<void> {
    if (window.confirm(question)) await this.call(path, method);
  }

  private async call(path: string, method: string): Promise<void> {
    const response = await this.request(path, method);
    if (!response) return;
    this.message = `${method} ${path}: done.`;
    await this.load(null);
  }

  private async exportZip(): Promise<void> {
    const response = await this.request('/api/gallery/export');
    if (!response) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = 'latentcast-gallery.zip';
    link.click();
    URL.revokeObjectURL(link.href);
  }

  private async rotateToken(): Promise<void> {
    if (!window.confirm('Rotate the host token? Links with the current token stop working.')) return;
    const response = await this.request('/api/host/token/rotate', 'POST');
    if (!response) return;
    this.token = ((await response.json()) as { token: string }).token;
    sessionStorage.setItem(TOKEN_KEY, this.token);
    this.message = 'The token was rotated. Bookmark this page again through the new link: /host#token=<the new token>.';
  }

  /** Sends an authorised request; shows the host's error and returns null when it fails. */
  private async request(path: string, method = 'GET'): Promise<Response | null> {
    try {
      const response = await fetch(path, { method, headers: { authorization: `Bearer ${this.token}` } });
      if (response.ok) return response;
      const body = (await response.json().catch(() => null)) as { error?: string } | null;
      this.message = body?.error ?? `${method} ${path} failed with HTTP ${response.status}`;
    } catch (error) {
      this.message = `${method} ${path} failed: ${(error as Error).message}`;
    }
    return null;
  }
}

/** Reads the token from `#token=...`, moves it to session storage and clears it from the address bar. */
function readToken(): string {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', window.location.pathname);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

customElements.define('lc-host-app', LcHostApp);

declare global {
  interface HTMLElementTagNameMap {
    'lc-host-app': LcHostApp;
  }
}
