import { css, html, LitElement, nothing } from 'lit';

import type { ReconstructionHistoryBody, ReconstructionOutputs } from '../../../shared/protocol/frames';
import type { ReconstructionSet } from '../../../shared/training';
import { controlStyles } from '../explorer/control-styles';
import { formatCount } from './format';
import './lc-recon-grid';

/**
 * The reconstruction grid with a step scrubber over the reconstructions the
 * host keeps of the run, from step 0 to the latest.
 *
 * While the scrubber is at its right end the grid follows new
 * reconstructions. Moved back, it stays on the chosen step (the nearest kept
 * step at or before it, once the host thins the history) until the viewer
 * presses "Latest" or moves it to the end again.
 */
export class LcReconHistory extends LitElement {
  static override properties = {
    history: { attribute: false },
    selectedStep: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      .scrubber {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr) auto;
        align-items: center;
        gap: 0.5rem 0.75rem;
        margin: 0 0 0.75rem;
      }

      .scrubber input {
        width: 100%;
      }

      .span {
        grid-column: 1 / -1;
        margin: 0;
        font-size: 0.85rem;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** Probe images and the kept reconstructions in ascending step order; null shows a waiting message. */
  declare history: ReconstructionHistoryBody | null;
  /** Step the viewer scrubbed to, or null to follow the latest reconstructions. */
  declare protected selectedStep: number | null;

  /** The set last handed to the grid, reused while its entry is shown so the grid redraws only on a change. */
  private shownSet: ReconstructionSet | null;

  constructor() {
    super();
    this.history = null;
    this.selectedStep = null;
    this.shownSet = null;
  }

  /** Index of the entry shown, or -1 while there is none. */
  get shownIndex(): number {
    const entries = this.history?.entries ?? [];
    if (this.selectedStep === null) return entries.length - 1;
    let index = entries.length - 1;
    while (index > 0 && entries[index].step > this.selectedStep) index--;
    return index;
  }

  protected override render() {
    const history = this.history;
    const index = this.shownIndex;
    const entry = index >= 0 ? history!.entries[index] : null;
    return html`
      ${history !== null && history.entries.length > 0 ? this.renderScrubber(history.entries, index) : nothing}
      <lc-recon-grid data-testid="recon-grid" .reconstructions=${this.setFor(entry)}></lc-recon-grid>
    `;
  }

  protected renderScrubber(entries: readonly ReconstructionOutputs[], index: number) {
    const entry = entries[index];
    const following = this.selectedStep === null;
    return html`
      <div class="scrubber">
        <label for="scrubber"><span class="visually-hidden">Reconstruction </span>Step</label>
        <input
          id="scrubber"
          type="range"
          min="0"
          max=${entries.length - 1}
          step="1"
          .value=${String(index)}
          aria-valuetext=${`step ${formatCount(entry.step)}, epoch ${entry.epoch}, ${index + 1} of ${entries.length}${following ? ', latest' : ''}`}
          data-testid="recon-scrubber"
          @input=${this.onScrub}
        />
        <button type="button" ?disabled=${following} data-testid="recon-latest" @click=${this.followLatest}>Latest</button>
        <p class="span muted">${this.spanText(entries)}</p>
      </div>
    `;
  }

  protected setFor(entry: ReconstructionOutputs | null): ReconstructionSet | null {
    const history = this.history;
    if (entry === null || history === null) return null;
    const shown = this.shownSet;
    if (shown === null || shown.outputs !== entry.outputs || shown.inputs !== history.probes.images) this.shownSet = withInputs(entry, history);
    return this.shownSet;
  }

  protected spanText(entries: readonly ReconstructionOutputs[]): string {
    const first = entries[0].step;
    const last = entries[entries.length - 1].step;
    const kept = entries.length === 1 ? '1 reconstruction' : `${entries.length} reconstructions`;
    return `${kept} kept, steps ${formatCount(first)} to ${formatCount(last)}`;
  }

  protected onScrub(event: Event): void {
    const entries = this.history?.entries ?? [];
    const index = Number((event.target as HTMLInputElement).value);
    this.selectedStep = index >= entries.length - 1 ? null : entries[index].step;
  }

  protected followLatest(): void {
    this.selectedStep = null;
  }
}

/** Pairs reconstruction outputs with the probe images of the history. */
function withInputs(entry: ReconstructionOutputs, history: ReconstructionHistoryBody): ReconstructionSet {
  return { epoch: entry.epoch, step: entry.step, count: entry.count, inputs: history.probes.images, outputs: entry.outputs };
}

customElements.define('lc-recon-history', LcReconHistory);

declare global {
  interface HTMLElementTagNameMap {
    'lc-recon-history': LcReconHistory;
  }
}
