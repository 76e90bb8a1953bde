import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';

import type { GalleryItem, GallerySort } from '../../../shared/gallery';
import type { GalleryState } from '../live/gallery-state';
import { EMPTY_GALLERY } from '../live/gallery-state';
import { fetchItem, fetchVotedIds, imageUrl, setVote, shareUrl } from './gallery-api';

const TABS: readonly { sort: GallerySort; label: string }[] = [
  { sort: 'top', label: 'Top' },
  { sort: 'new', label: 'New' },
];

/** Dispatches `latent-select` on `window`, where the latent explorer listens for it, so that the explorer shows `z`. */
export function selectLatent(z: readonly number[], label: string): void {
  window.dispatchEvent(new CustomEvent('latent-select', { detail: { z: [...z], label } }));
}

/**
 * The shared gallery: cards of the items viewers submitted, each with its
 * upscaled image, title, vote toggle and an Explore button, in a Top and a
 * New tab. Items, tallies and removals arrive live through `gallery`.
 */
export class LcGallery extends LitElement {
  static override properties = {
    gallery: { attribute: false },
    runId: { attribute: 'run-id' },
    sort: { state: true },
    voted: { state: true },
    message: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--lc-text, #e8edf4);
      container-type: inline-size;
    }

    [role='tablist'] {
      display: flex;
      gap: 0.5rem;
      margin-bottom: 0.75rem;
    }

    button,
    a.share {
      font: inherit;
      color: inherit;
      border: 1px solid var(--lc-border, #2c3441);
      border-radius: 0.4rem;
      background: var(--lc-surface-raised, #232a35);
      padding: 0.25rem 0.7rem;
      cursor: pointer;
      text-decoration: none;
    }

    button:focus-visible,
    a.share:focus-visible {
      outline: 2px solid var(--lc-focus, #58c4ff);
      outline-offset: 2px;
    }

    [role='tab'][aria-selected='true'] {
      border-color: var(--lc-focus, #58c4ff);
      font-weight: 700;
    }

    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
      gap: 0.75rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }

    .card {
      display: grid;
      gap: 0.4rem;
      padding: 0.5rem;
      border-radius: 0.5rem;
      background: var(--lc-surface-raised, #232a35);
    }

    img {
      display: block;
      width: 100%;
      height: auto;
      aspect-ratio: 1;
      background: #000;
      image-rendering: pixelated;
    }

    .title {
      margin: 0;
      overflow-wrap: anywhere;
      font-size: 0.95rem;
    }

    .untitled {
      color: var(--lc-text-muted, #9aa6b5);
      font-style: italic;
    }

    .badge {
      justify-self: start;
      padding: 0.05rem 0.45rem;
      border: 1px solid var(--lc-text-muted, #9aa6b5);
      border-radius: 999px;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.75rem;
    }

    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.35rem;
      font-size: 0.85rem;
    }

    .vote[aria-pressed='true'] {
      border-color: var(--lc-state-training, #3fdc7e);
      color: var(--lc-state-training, #3fdc7e);
    }

    .message {
      min-height: 1.4em;
      margin: 0.5rem 0 0;
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.9rem;
    }

    .empty {
      color: var(--lc-text-muted, #9aa6b5);
    }
  `;

  /** Items from the page's store, kept live by the gallery topic. */
  declare gallery: GalleryState;
  /** Id of the host's current run; items of other runs get an "earlier model" badge. */
  declare runId: string;
  /** The tab shown. */
  declare protected sort: GallerySort;
  /** Ids of the items this viewer voted for. */
  declare protected voted: ReadonlySet<number>;
  /** Result of the latest action, announced to screen readers. */
  declare protected message: string;

  /** Vote counts from this viewer's own vote responses, valid only for the exact item object they were set against. */
  private readonly ownCounts = new WeakMap<GalleryItem, number>();

  constructor() {
    super();
    this.gallery = EMPTY_GALLERY;
    this.runId = '';
    this.sort = 'top';
    this.voted = new Set();
    this.message = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadVotes();
    void this.openSharedItem();
  }

  protected override render() {
    const items = this.sort === 'top' ? this.gallery.top : this.gallery.newest;
    return html`
      <div role="tablist" aria-label="Gallery order" @keydown=${this.onTabKey}>
        ${TABS.map(
          (tab) => html`<button
            role="tab"
            id="tab-${tab.sort}"
            data-testid="gallery-tab-${tab.sort}"
            aria-selected=${this.sort === tab.sort ? 'true' : 'false'}
            aria-controls="gallery-panel"
            tabindex=${this.sort === tab.sort ? 0 : -1}
            @click=${() => (this.sort = tab.sort)}
          >
            ${tab.label}
          </button>`,
        )}
      </div>
      <div role="tabpanel" id="gallery-panel" aria-labelledby="tab-${this.sort}">
        ${items.length === 0
          ? html`<p class="empty">Nothing here yet. Submit a vector from the explorer to start the gallery.</p>`
          : html`<ul class="grid">
              <!-- Keyed by id, so that a live update which reorders the cards cannot move a click to another item. -->
              ${repeat(items, (item) => item.id, (item) => this.renderCard(item))}
            </ul>`}
      </div>
      <p class="message" role="status" data-testid="gallery-message">${this.message}</p>
    `;
  }

  protected renderCard(item: GalleryItem) {
    const voted = this.voted.has(item.id);
    const votes = this.ownCounts.get(item) ?? item.votes;
    const name = item.title ?? `item ${item.id}`;
    return html`
      <li class="card" data-testid="gallery-card" data-item-id=${item.id}>
        <img src=${imageUrl(item.id)} width="280" height="280" alt="Decoded image of ${name}" loading="lazy" />
        ${item.title === null
          ? html`<p class="title untitled">untitled #${item.id}</p>`
          : html`<p class="title" data-testid="gallery-title">${item.title}</p>`}
        ${item.awaitingApproval ? html`<span class="badge" data-testid="awaiting-approval">awaiting approval</span>` : nothing}
        ${this.runId !== '' && item.runId !== this.runId
          ? html`<span class="badge" title="Decoded by the model of an earlier run, at step ${item.step}">earlier model</span>`
          : nothing}
        <div class="actions">
          <button
            class="vote"
            data-testid="vote-button"
            aria-pressed=${voted ? 'true' : 'false'}
            aria-label="${voted ? 'Remove your vote for' : 'Vote for'} ${name}, ${votes} ${votes === 1 ? 'vote' : 'votes'}"
            @click=${() => this.toggleVote(item, !voted)}
          >
            ▲ <span data-testid="vote-count">${votes}</span>
          </button>
          <button data-testid="explore-button" @click=${() => selectLatent(item.z, name)}>Explore</button>
          <a class="share" href=${shareUrl(item.id)} aria-label="Share link to ${name}">Link</a>
        </div>
      </li>
    `;
  }

  /** Moves between the tabs with the arrow, Home and End keys, as the WAI-ARIA tabs pattern describes. */
  private async onTabKey(event: KeyboardEvent): Promise<void> {
    const index = TABS.findIndex((tab) => tab.sort === this.sort);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;

    event.preventDefault();
    this.sort = TABS[(next + TABS.length) % TABS.length].sort;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(`#tab-${this.sort}`)?.focus();
  }

  private async toggleVote(item: GalleryItem, vote: boolean): Promise<void> {
    try {
      const result = await setVote(item.id, vote);
      const voted = new Set(this.voted);
      if (result.voted) voted.add(item.id);
      else voted.delete(item.id);
      this.voted = voted;
      this.ownCounts.set(item, result.votes);
      this.message = result.voted ? `Voted for ${item.title ?? `item ${item.id}`}.` : `Removed your vote for ${item.title ?? `item ${item.id}`}.`;
    } catch (error) {
      this.message = (error as Error).message;
    }
  }

  private async loadVotes(): Promise<void> {
    try {
      this.voted = new Set(await fetchVotedIds());
    } catch (error) {
      console.warn('latentcast: failed to load your gallery votes', error);
    }
  }

  /** Opens the item of a share link (`/?item=ID`) in the explorer. */
  private async openSharedItem(): Promise<void> {
    const id = Number(new URLSearchParams(window.location.search).get('item'));
    if (!Number.isInteger(id) || id <= 0) return;
    try {
      const item = await fetchItem(id);
      // The explorer may be defined after this component; waiting one frame lets it register its listener first.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      selectLatent(item.z, item.title ?? `item ${item.id}`);
      this.message = `Showing ${item.title ?? `item ${item.id}`} from a shared link in the explorer.`;
    } catch (error) {
      this.message = `The shared item ${id} could not be opened: ${(error as Error).message}`;
    }
  }
}

customElements.define('lc-gallery', LcGallery);

declare global {
  interface HTMLElementTagNameMap {
    'lc-gallery': LcGallery;
  }
}
