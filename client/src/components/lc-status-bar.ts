import { css, html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

import type { HostStatus, TrainingState } from '../../../shared/training';
import type { ConnectionState } from '../live/live-store';
import { formatCount, formatLoss, MISSING } from './format';

/** Badge text and colours per training state; colours are chosen for contrast on a dark page. */
const STATE_STYLES: Record<TrainingState, { label: string; color: string }> = {
  starting: { label: 'starting', color: 'var(--lc-state-starting, #9fb4ff)' },
  training: { label: 'training', color: 'var(--lc-state-training, #3fdc7e)' },
  paused: { label: 'paused', color: 'var(--lc-state-paused, #ffc247)' },
  diverged: { label: 'diverged', color: 'var(--lc-state-diverged, #ff6b6b)' },
  finished: { label: 'finished', color: 'var(--lc-state-finished, #58c4ff)' },
  stopped: { label: 'stopped', color: 'var(--lc-state-stopped, #b0b8c4)' },
};

/** Badge colour while the state is missing or not one this page recognises. */
const UNKNOWN_STATE_COLOR = 'var(--lc-text-muted, #9aa6b5)';

/**
 * Summary of the run: training state, progress, latest losses, throughput,
 * backend, viewer count, and whether the page is connected to the host.
 *
 * The visible values change every few steps, so only the state, the epoch and
 * the connection go into the polite live region that screen readers announce.
 */
export class LcStatusBar extends LitElement {
  static override properties = {
    status: { attribute: false },
    connection: { reflect: true },
    latestLoss: { attribute: false },
    samplesPerSecond: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--lc-text, #e8edf4);
      font-variant-numeric: tabular-nums;
    }

    .bar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem 1.5rem;
    }

    .badge {
      display: inline-flex;
      align-items: center;
      gap: 0.5em;
      padding: 0.3em 0.8em;
      border: 2px solid var(--badge-color);
      border-radius: 999px;
      color: var(--badge-color);
      font-weight: 700;
      font-size: 1.05rem;
      letter-spacing: 0.06em;
      text-transform: uppercase;
    }

    .badge::before {
      content: '';
      width: 0.6em;
      height: 0.6em;
      border-radius: 50%;
      background: var(--badge-color);
    }

    dl {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 1.5rem;
      margin: 0;
    }

    /* Wide enough for a loss like 0.1234, so values do not push each other around as they change. */
    .item {
      display: flex;
      flex-direction: column;
      min-width: 5.5rem;
    }

    /* The values are the last ones received, so they are dimmed while they may be stale. */
    :host(:not([connection='live'])) dl {
      opacity: 0.6;
    }

    dt {
      color: var(--lc-text-muted, #9aa6b5);
      font-size: 0.75rem;
      letter-spacing: 0.05em;
      text-transform: uppercase;
    }

    dd {
      margin: 0;
      font-size: 1.25rem;
      font-weight: 600;
    }

    .connection {
      padding: 0.3em 0.8em;
      border-radius: 0.4rem;
      background: var(--lc-warning-bg, #5c3b00);
      color: var(--lc-warning-text, #ffd98a);
      font-weight: 700;
    }

    .reason {
      margin: 0.75rem 0 0;
      padding: 0.5rem 0.75rem;
      border-left: 4px solid var(--lc-danger, #ff6b6b);
      background: rgba(255, 107, 107, 0.1);
      font-size: 1rem;
      line-height: 1.4;
    }

    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
  `;

  /** Latest host status; null shows placeholders until the first Hello frame. */
  declare status: HostStatus | null;
  /** State of the socket to the host: `connecting`, `live` or `reconnecting`. */
  declare connection: ConnectionState;
  /**
   * Step and training loss of the newest loss point the page received, or
   * null. Loss batches arrive up to 10 times a second while status updates
   * come at epoch ends, so this keeps the step counter moving.
   */
  declare latestLoss: { step: number; loss: number } | null;
  /**
   * Training throughput in images per second, shown while the state is
   * `training`; null shows a placeholder, and undefined (the default) leaves
   * the field out, for pages that do not measure it.
   */
  declare samplesPerSecond: number | null | undefined;

  constructor() {
    super();
    this.status = null;
    this.connection = 'connecting';
    this.latestLoss = null;
    this.samplesPerSecond = undefined;
  }

  protected override render() {
    return html`
      <p class="visually-hidden" role="status" aria-live="polite">${this.summaryText()}</p>
      <div class="bar">
        ${this.renderBadge()} ${this.renderConnection()}
        <dl>
          ${this.renderItem('Epoch', this.epochText(), 'status-epoch')}
          ${this.renderItem('Step', formatCount(this.currentStep()), 'status-step')}
          ${this.samplesPerSecond === undefined ? nothing : this.renderItem('Samples/s', formatCount(this.currentThroughput()), 'status-samples-per-second')}
          ${this.renderItem('Train loss', formatLoss(this.currentLoss()), 'status-train-loss')}
          ${this.renderItem('Validation loss', formatLoss(this.status?.lastValidationLoss), 'status-validation-loss')}
          ${this.renderItem('Backend', this.status?.backend?.name ?? MISSING, 'status-backend', this.status?.backend?.reason)}
          ${this.renderItem('Viewers', formatCount(this.status?.viewers), 'status-viewers')}
        </dl>
      </div>
      ${this.renderReason()}
    `;
  }

  /** Shows why training stopped or diverged, which the streamer and viewers need to read, not hover for. */
  protected renderReason() {
    const state = this.status?.state;
    if ((state !== 'diverged' && state !== 'stopped') || !this.status?.stateReason) return nothing;
    return html`<p class="reason" data-testid="status-reason">${this.status.stateReason}</p>`;
  }

  /** Returns the newer of the status's step and the newest loss point's step. */
  protected currentStep(): number | undefined {
    const fromStatus = this.status?.step;
    const fromLoss = this.latestLoss?.step;
    if (fromLoss === undefined) return fromStatus;
    return fromStatus === undefined ? fromLoss : Math.max(fromStatus, fromLoss);
  }

  /** Returns the throughput while training; a paused or finished run trains no samples. */
  protected currentThroughput(): number | null {
    return this.status?.state === 'training' && this.connection === 'live' ? (this.samplesPerSecond ?? null) : null;
  }

  protected currentLoss(): number | null | undefined {
    if (this.latestLoss && this.latestLoss.step >= (this.status?.step ?? 0)) return this.latestLoss.loss;
    return this.status?.lastLoss;
  }

  protected renderBadge() {
    const state = this.status?.state;
    // Until the first Hello frame, or for a state this page does not know, the badge is neutral.
    const style = (state && STATE_STYLES[state]) || { label: state ?? 'waiting', color: UNKNOWN_STATE_COLOR };
    return html`
      <span
        class="badge"
        style="--badge-color: ${style.color}"
        data-testid="status-state"
        data-state=${state ?? ''}
        title=${this.status?.stateReason ?? nothing}
        >${style.label}</span
      >
    `;
  }

  protected renderConnection() {
    if (this.connection === 'live') return nothing;
    const text = this.connection === 'connecting' ? 'connecting…' : 'connection lost, reconnecting…';
    return html`<span class="connection" data-testid="status-connection" data-connection=${this.connection}>${text}</span>`;
  }

  protected renderItem(label: string, value: string, testId: string, title?: string) {
    return html`
      <div class="item">
        <dt>${label}</dt>
        <dd data-testid=${testId} title=${title ?? nothing}>${value}</dd>
      </div>
    `;
  }

  /** Returns the epoch in progress while training (completed epochs + 1), otherwise the completed count. */
  protected epochText(): string {
    if (this.status === null) return MISSING;
    const { state, epoch, epochs } = this.status;
    const shown = state === 'training' || state === 'paused' ? Math.min(epoch + 1, epochs) : epoch;
    return `${shown} / ${epochs}`;
  }

  protected summaryText(): string {
    const parts: string[] = [];
    if (this.connection !== 'live') parts.push(`Not connected to the host, ${this.connection}.`);
    if (this.status !== null) {
      const state = this.status.state;
      parts.push(`${state[0].toUpperCase()}${state.slice(1)}, epoch ${this.status.epoch} of ${this.status.epochs}.`);
      if (this.status.stateReason) parts.push(this.status.stateReason);
    }
    return parts.join(' ');
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Mirrors the state on the host so a page style or a test can select on it.
    if (changed.has('status')) this.dataset.state = this.status?.state ?? '';
  }
}

customElements.define('lc-status-bar', LcStatusBar);

declare global {
  interface HTMLElementTagNameMap {
    'lc-status-bar': LcStatusBar;
  }
}
