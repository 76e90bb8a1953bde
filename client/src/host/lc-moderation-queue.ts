import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';

import type { ModeratedGalleryItem } from '../../../shared/gallery';
import type { HostApi } from './host-api';
import { panelStyles, requestFrom } from './panel-styles';

/** Items per page of the full list. */
const PAGE_SIZE = 50;

/** Milliseconds between two reloads of the queue, which has no live feed. */
const REFRESH_MS = 5000;

interface ItemPage {
  items: ModeratedGalleryItem[];
  nextCursor: string | null;
}

/**
 * The gallery as the host moderates it: the approve-before-public switch,
 * the items waiting for approval, and every item, hidden ones included, with
 * hide, show, delete and ban. Titles are viewers' text and render as text.
 */
export class LcModerationQueue extends LitElement {
  static override properties = {
    api: { attribute: false },
    approveBeforePublic: { state: true },
    pending: { state: true },
    items: { state: true },
    nextCursor: { state: true },
    images: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      img {
        width: 56px;
        height: 56px;
        image-rendering: pixelated;
        background: #000;
        vertical-align: middle;
      }

      tr[data-hidden='true'] img,
      tr[data-hidden='true'] .title {
        opacity: 0.55;
      }

      code {
        font-size: 0.75rem;
        overflow-wrap: anywhere;
      }

      h3 {
        margin: 1rem 0 0.4rem;
        font-size: 0.95rem;
      }

      .switch {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }

      .scroll {
        max-height: 55vh;
        overflow: auto;
      }

      .title {
        overflow-wrap: anywhere;
      }
    `,
  ];

  /** Client of the host API, with the token; null renders nothing. */
  declare api: HostApi | null;
  declare protected approveBeforePublic: boolean;
  /** Items waiting for approval, oldest first. */
  declare protected pending: ModeratedGalleryItem[];
  /** Every item loaded so far, newest first. */
  declare protected items: ModeratedGalleryItem[];
  declare protected nextCursor: string | null;
  /** Object URLs of the images of hidden and pending items, which need the token, by item id. */
  declare protected images: ReadonlyMap<number, string>;

  private timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.api = null;
    this.approveBeforePublic = false;
    this.pending = [];
    this.items = [];
    this.nextCursor = null;
    this.images = new Map();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = setInterval(() => void this.reload(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const url of this.images.values()) URL.revokeObjectURL(url);
    this.images = new Map();
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api) void this.reload();
  }

  /** Loads the switch, the queue and the first page of items again. */
  async reload(): Promise<void> {
    if (!this.api) return;
    const [queue, page] = await Promise.all([
      this.api.call<{ items: ModeratedGalleryItem[]; approveBeforePublic: boolean }>('GET', '/api/host/gallery/pending'),
      this.api.call<ItemPage>('GET', `/api/host/gallery?sort=new&limit=${PAGE_SIZE}`),
    ]);
    if (queue.body && queue.ok) {
      this.pending = queue.body.items;
      this.approveBeforePublic = queue.body.approveBeforePublic;
    }
    if (page.body && page.ok) {
      this.items = page.body.items;
      this.nextCursor = page.body.nextCursor;
    }
    await this.loadHiddenImages([...this.pending, ...this.items]);
  }

  protected override render() {
    if (!this.api) return nothing;
    return html`
      <h2 id="moderation-heading">Gallery moderation</h2>
      <div class="row">
        <label class="switch">
          <input type="checkbox" data-testid="approve-before-public" .checked=${this.approveBeforePublic} @change=${this.toggleApproval} />
          Approve items before they are public
        </label>
        <button @click=${() => this.reload()}>Reload</button>
      </div>
      ${this.renderQueue()}
      <h3 id="items-heading">All items</h3>
      ${this.items.length === 0
        ? html`<p class="muted" data-testid="moderation-empty">No gallery items yet.</p>`
        : html`<div class="scroll">${this.renderTable(this.items, 'items-heading')}</div>`}
      ${this.nextCursor === null ? nothing : html`<p><button @click=${this.loadMore}>Load more</button></p>`}
    `;
  }

  protected renderQueue() {
    if (!this.approveBeforePublic && this.pending.length === 0) return nothing;
    return html`
      <h3 id="queue-heading">Awaiting approval (${this.pending.length})</h3>
      ${this.pending.length === 0 ? html`<p class="muted">No item waits for approval.</p>` : this.renderTable(this.pending, 'queue-heading')}
    `;
  }

  protected renderTable(items: readonly ModeratedGalleryItem[], labelledBy: string) {
    return html`
      <table aria-labelledby=${labelledBy}>
        <thead>
          <tr><th scope="col">Image</th><th scope="col">Title</th><th scope="col">Votes</th><th scope="col">Viewer</th><th scope="col">Actions</th></tr>
        </thead>
        <tbody>
          ${repeat(items, (item) => item.id, (item) => this.renderRow(item))}
        </tbody>
      </table>
    `;
  }

  protected renderRow(item: ModeratedGalleryItem) {
    const name = item.title ?? `item ${item.id}`;
    const src = item.hidden ? this.images.get(item.id) : `/api/gallery/${item.id}.png`;
    return html`
      <tr data-hidden=${item.hidden ? 'true' : 'false'} data-testid="moderation-row" data-item-id=${item.id}>
        <td>${src ? html`<img src=${src} alt="Image of ${name}" />` : html`<span class="muted">…</span>`}</td>
        <td class="title">${item.title ?? html`<span class="muted">untitled #${item.id}</span>`}${item.pending ? html` <em>(awaiting approval)</em>` : ''}</td>
        <td>${item.votes}</td>
        <td><code>${item.viewerId}</code></td>
        <td class="row">${this.renderActions(item, name)}</td>
      </tr>
    `;
  }

  protected renderActions(item: ModeratedGalleryItem, name: string) {
    const base = `/api/host/gallery/${item.id}`;
    return html`
      ${item.pending
        ? html`<button data-testid="approve" aria-label="Approve ${name}" @click=${() => this.send('Approve', 'POST', `${base}/approve`)}>Approve</button>`
        : nothing}
      ${item.pending
        ? html`<button aria-label="Reject ${name}" @click=${() => this.send('Reject', 'POST', `${base}/hide`)}>Reject</button>`
        : html`<button aria-label="${item.hidden ? 'Show' : 'Hide'} ${name}" @click=${() => this.send(item.hidden ? 'Show' : 'Hide', 'POST', `${base}/${item.hidden ? 'unhide' : 'hide'}`)}>
            ${item.hidden ? 'Show' : 'Hide'}
          </button>`}
      <button class="danger" aria-label="Delete ${name}" @click=${() => this.confirmThen(`Delete “${name}” and its votes?`, 'Delete', 'DELETE', base)}>Delete</button>
      <button
        class="danger"
        aria-label="Ban the viewer who submitted ${name}"
        @click=${() => this.confirmThen(`Ban viewer ${item.viewerId} and hide all their items?`, 'Ban', 'POST', `/api/host/viewers/${item.viewerId}/ban`)}
      >
        Ban
      </button>
    `;
  }

  private toggleApproval(event: Event): void {
    const enabled = (event.target as HTMLInputElement).checked;
    this.send(enabled ? 'Turn on approval' : 'Turn off approval', 'PUT', '/api/host/moderation', { approveBeforePublic: enabled });
  }

  private confirmThen(question: string, label: string, method: string, path: string): void {
    if (window.confirm(question)) this.send(label, method, path);
  }

  private send(label: string, method: string, path: string, body?: unknown): void {
    requestFrom(this, { label, method, path, body, done: () => void this.reload() });
  }

  private async loadMore(): Promise<void> {
    if (!this.api || this.nextCursor === null) return;
    const page = await this.api.call<ItemPage>('GET', `/api/host/gallery?sort=new&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(this.nextCursor)}`);
    if (!page.body || !page.ok) return;
    this.items = [...this.items, ...page.body.items];
    this.nextCursor = page.body.nextCursor;
    await this.loadHiddenImages(page.body.items);
  }

  /** Fetches the images of hidden and pending items with the token, once per item. */
  private async loadHiddenImages(items: readonly ModeratedGalleryItem[]): Promise<void> {
    const api = this.api;
    const missing = items.filter((item) => item.hidden && !this.images.has(item.id));
    if (!api || missing.length === 0) return;
    const urls = await Promise.all(missing.map(async (item) => [item.id, await api.objectUrl(`/api/host/gallery/${item.id}.png`)] as const));
    const images = new Map(this.images);
    for (const [id, url] of urls) if (url) images.set(id, url);
    this.images = images;
  }
}

customElements.define('lc-moderation-queue', LcModerationQueue);

declare global {
  interface HTMLElementTagNameMap {
    'lc-moderation-queue': LcModerationQueue;
  }
}
