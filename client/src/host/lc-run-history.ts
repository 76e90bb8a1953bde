import { html, LitElement } from 'lit';

import type { HostStatus, RunSummary } from '../../../shared/training';
import { formatCount, formatLoss } from '../components/format';
import { panelStyles } from './panel-styles';

/**
 * The runs of this host start, newest first: the current one, then each
 * earlier run with why it started, its layer sizes and its final losses.
 */
export class LcRunHistory extends LitElement {
  static override properties = {
    status: { attribute: false },
    runs: { attribute: false },
  };

  static override styles = panelStyles;

  /** Live status, which describes the current run; null until the first frame. */
  declare status: HostStatus | null;
  /** Earlier runs, newest first. */
  declare runs: readonly RunSummary[];

  constructor() {
    super();
    this.status = null;
    this.runs = [];
  }

  protected override render() {
    return html`
      <h2 id="history-heading">Runs</h2>
      <div class="table-scroll">
        <table aria-labelledby="history-heading" data-testid="host-runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Reason</th>
              <th scope="col">Layers</th>
              <th scope="col">Steps</th>
              <th scope="col">Loss</th>
              <th scope="col">Validation</th>
            </tr>
          </thead>
          <tbody>
            ${this.renderCurrent()} ${this.runs.map((run) => this.renderRow(run, false))}
          </tbody>
        </table>
      </div>
    `;
  }

  protected renderCurrent() {
    const status = this.status;
    if (!status) return html``;
    const current: RunSummary = {
      runId: status.runId,
      startedAt: status.runStartedAt,
      reason: status.runReason,
      dataset: status.dataset?.name ?? '',
      model: status.model,
      latent: status.latent,
      layerSizes: status.layerSizes,
      steps: status.step,
      epochs: status.epoch,
      finalLoss: status.lastLoss,
      finalValidationLoss: status.lastValidationLoss,
    };
    return this.renderRow(current, true);
  }

  protected renderRow(run: RunSummary, current: boolean) {
    return html`
      <tr data-run-id=${run.runId}>
        <td>${new Date(run.startedAt).toLocaleTimeString()}${current ? html` <strong>(current)</strong>` : ''}</td>
        <td>${run.reason}</td>
        <td>${run.layerSizes?.join('-') ?? '—'}</td>
        <td>${formatCount(run.steps)}</td>
        <td>${formatLoss(run.finalLoss)}</td>
        <td>${formatLoss(run.finalValidationLoss)}</td>
      </tr>
    `;
  }
}

customElements.define('lc-run-history', LcRunHistory);

declare global {
  interface HTMLElementTagNameMap {
    'lc-run-history': LcRunHistory;
  }
}
