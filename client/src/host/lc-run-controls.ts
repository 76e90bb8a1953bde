import { css, html, LitElement, nothing } from 'lit';

import type { HostStatus } from '../../../shared/training';
import { formatCount, formatLoss } from '../components/format';
import { describeLocation } from './host-api';
import type { RunOverview } from './host-api';
import { panelStyles, requestFrom } from './panel-styles';

/**
 * The run's state and the buttons that steer it: Start (after the run
 * finished or stopped, a new run with the same settings), Pause, Resume and
 * Reset (a new run from fresh weights). Below them, a restart that is still
 * starting and the latest restart that failed, with its model-file location.
 */
export class LcRunControls extends LitElement {
  static override properties = {
    status: { attribute: false },
    latestLoss: { attribute: false },
    overview: { attribute: false },
  };

  static override styles = [
    panelStyles,
    css`
      .state {
        margin: 0 0 0.6rem;
        font-size: 1.05rem;
      }

      .state strong {
        text-transform: uppercase;
        letter-spacing: 0.05em;
      }

      .pending {
        margin: 0.6rem 0 0;
      }

      code {
        font-size: 0.9em;
      }
    `,
  ];

  /** Live status from the status topic; null until the first frame. */
  declare status: HostStatus | null;
  /** Step and training loss of the newest loss point, which arrive more often than status frames; null before the first. */
  declare latestLoss: { step: number; loss: number } | null;
  /** The run as the host API reports it; null until loaded. */
  declare overview: RunOverview | null;

  constructor() {
    super();
    this.status = null;
    this.latestLoss = null;
    this.overview = null;
  }

  protected override render() {
    const state = this.status?.state;
    return html`
      <h2 id="controls-heading">Training</h2>
      ${this.renderState()}
      <div class="row" role="group" aria-labelledby="controls-heading">
        <button data-testid="host-start" ?disabled=${state !== 'finished' && state !== 'stopped'} @click=${() => this.send('Start', 'start')}>Start</button>
        <button data-testid="host-pause" ?disabled=${state !== 'training'} @click=${() => this.send('Pause', 'pause')}>Pause</button>
        <button data-testid="host-resume" ?disabled=${state !== 'paused' && state !== 'diverged'} @click=${() => this.send('Resume', 'resume')}>
          Resume
        </button>
        <button class="danger" data-testid="host-reset" ?disabled=${!state} @click=${this.reset}>Reset</button>
      </div>
      ${this.renderPending()} ${this.renderRejection()}
    `;
  }

  protected renderState() {
    const status = this.status;
    if (!status) return html`<p class="state muted">Waiting for the host…</p>`;
    const newest = this.latestLoss && this.latestLoss.step >= status.step ? this.latestLoss : { step: status.step, loss: status.lastLoss };
    return html`
      <p class="state" data-testid="host-state" data-state=${status.state}>
        <strong>${status.state}</strong> · epoch ${status.epoch}/${status.epochs} · step ${formatCount(newest.step)} · loss
        ${formatLoss(newest.loss)} · learning rate ${status.learningRate}
      </p>
      ${status.stateReason && status.state !== 'training' ? html`<p class="muted">${status.stateReason}</p>` : nothing}
    `;
  }

  protected renderPending() {
    const pending = this.overview?.pendingRestart;
    if (!pending) return nothing;
    return html`<p class="pending" role="status">Starting a new run: ${pending.reason}. The current run trains until it is ready.</p>`;
  }

  protected renderRejection() {
    const rejection = this.overview?.lastRejection;
    if (!rejection) return nothing;
    const time = new Date(rejection.at).toLocaleTimeString();
    return html`
      <div class="error" data-testid="host-rejection">
        <strong>Restart failed at ${time}</strong> (${rejection.reason}); the previous run goes on.<br />
        ${rejection.message}
        ${rejection.location ? html`<br />at <code data-testid="host-rejection-location">${describeLocation(rejection.location)}</code>` : nothing}
      </div>
    `;
  }

  private send(label: string, action: string): void {
    requestFrom(this, { method: 'POST', path: `/api/host/run/${action}`, label });
  }

  private reset(): void {
    if (window.confirm('Reset starts a new run from fresh weights; the current run ends. Reset now?')) this.send('Reset', 'reset');
  }
}

customElements.define('lc-run-controls', LcRunControls);

declare global {
  interface HTMLElementTagNameMap {
    'lc-run-controls': LcRunControls;
  }
}
