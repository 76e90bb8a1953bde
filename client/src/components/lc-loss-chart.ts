import { css, html, LitElement, nothing, unsafeCSS } from 'lit';
import type { PropertyValues } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';

import type { EpochSummary, LossKind } from '../../../shared/training';
import { formatLoss, MISSING } from './format';
import { alignLosses } from './loss-series';
import type { AlignedLosses } from './loss-series';

const TRAIN_COLOR = '#4cc2ff';
const VALIDATION_COLOR = '#ffa94d';
const AXIS_COLOR = '#c3ccd8';
const GRID_COLOR = 'rgba(255, 255, 255, 0.09)';
const AXIS_FONT = '13px system-ui, sans-serif';

/** Series values at one step, as the legend shows them. */
interface LegendValues {
  step: number | null;
  train: number | null;
  validation: number | null;
  /** Epoch whose validation loss `validation` is; null before the first epoch. */
  epoch: number | null;
}

/**
 * Training loss per step and validation loss per epoch on one uPlot chart.
 *
 * The plot is created once and fed with `setData` at most once per animation
 * frame, however many batches arrive in between. The host element carries
 * `data-points`: the number of training loss points currently plotted.
 */
export class LcLossChart extends LitElement {
  static override properties = {
    steps: { attribute: false },
    losses: { attribute: false },
    epochs: { attribute: false },
    lossKind: { attribute: 'loss-kind' },
    hoverIndex: { state: true },
  };

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host {
        display: block;
        color: var(--lc-text, #e8edf4);
      }

      .legend {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.25rem 1.5rem;
        margin: 0 0 0.5rem;
        font-variant-numeric: tabular-nums;
      }

      .entry {
        display: inline-flex;
        align-items: baseline;
        gap: 0.4em;
      }

      .entry strong {
        font-size: 1.25rem;
      }

      .swatch {
        display: inline-block;
        width: 1.1em;
        height: 0.25em;
        border-radius: 2px;
        transform: translateY(-0.2em);
      }

      /* On its own line, so the legend keeps its height when values appear. */
      .at {
        flex-basis: 100%;
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.9rem;
      }

      .frame {
        position: relative;
      }

      .empty {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        margin: 0;
        color: var(--lc-text-muted, #9aa6b5);
      }

      .plot {
        position: relative;
        height: var(--lc-loss-chart-height, clamp(220px, 42vh, 420px));
        overflow: hidden;
      }
    `,
  ];

  /** Global step of each training loss, strictly ascending. */
  declare steps: ArrayLike<number>;
  /** Training loss at each entry of `steps`; non-finite values are not plotted. */
  declare losses: ArrayLike<number>;
  /** Epoch summaries in ascending order; each adds a validation point at its `step`. */
  declare epochs: readonly EpochSummary[];
  /** Loss function of the run (`bce` or `mse`), shown in the axis label; empty when unknown. */
  declare lossKind: LossKind | '';
  /** Index into the aligned data under the pointer; null when the pointer is off the plot. */
  declare protected hoverIndex: number | null;

  private plot: uPlot | null;
  private aligned: AlignedLosses;
  private frameRequest: number | null;
  private resizeObserver: ResizeObserver | null;

  constructor() {
    super();
    this.steps = [];
    this.losses = [];
    this.epochs = [];
    this.lossKind = '';
    this.hoverIndex = null;
    this.plot = null;
    this.aligned = alignLosses([], [], []);
    this.frameRequest = null;
    this.resizeObserver = null;
  }

  protected override render() {
    return html`
      ${this.renderLegend()}
      <div class="frame">
        <div class="plot" role="img" aria-label=${this.describe()}></div>
        ${this.latestValues().step === null ? html`<p class="empty" aria-hidden="true">Waiting for the first training loss…</p>` : nothing}
      </div>
    `;
  }

  protected renderLegend() {
    const values = this.legendValues();
    const epochNote = values.epoch === null ? '' : ` (epoch ${values.epoch})`;
    const at = values.step === null ? '' : `at step ${values.step}`;
    return html`
      <p class="legend" aria-hidden="true">
        <span class="entry">
          <span class="swatch" style="background: ${TRAIN_COLOR}"></span>
          Train loss <strong>${formatLoss(values.train)}</strong>
        </span>
        <span class="entry">
          <span class="swatch" style="background: ${VALIDATION_COLOR}"></span>
          Validation loss <strong>${formatLoss(values.validation)}</strong>${epochNote}
        </span>
        <span class="at">${at}</span>
      </p>
    `;
  }

  /** Returns the text of the chart's aria-label, which names the latest values. */
  protected describe(): string {
    const latest = this.latestValues();
    if (latest.step === null) return 'Loss chart, no training loss yet';
    let text = `Loss chart. Training loss ${formatLoss(latest.train)} at step ${latest.step}.`;
    if (latest.epoch !== null) {
      text += ` Validation loss ${formatLoss(latest.validation)} after epoch ${latest.epoch}.`;
    }
    return text;
  }

  protected legendValues(): LegendValues {
    if (this.hoverIndex === null) return this.latestValues();
    const { x, train } = this.aligned;
    const step = x[this.hoverIndex] ?? null;
    const epoch = step === null ? undefined : lastEpochAtOrBefore(this.epochs, step);
    return {
      step,
      train: train[this.hoverIndex] ?? null,
      validation: epoch?.validationLoss ?? null,
      epoch: epoch?.epoch ?? null,
    };
  }

  protected latestValues(): LegendValues {
    let index = Math.min(this.steps.length, this.losses.length) - 1;
    while (index >= 0 && !Number.isFinite(this.losses[index])) index--;
    const epoch = this.epochs.at(-1);
    return {
      step: index >= 0 ? this.steps[index] : null,
      train: index >= 0 ? this.losses[index] : null,
      validation: epoch?.validationLoss ?? null,
      epoch: epoch?.epoch ?? null,
    };
  }

  protected override firstUpdated(): void {
    const container = this.plotContainer();
    this.plot = new uPlot(this.plotOptions(container), this.plotData(), container);
    this.resizeObserver = new ResizeObserver(() => this.fitToContainer());
    this.resizeObserver.observe(container);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('steps') || changed.has('losses') || changed.has('epochs')) this.scheduleRedraw();
    if (changed.has('lossKind') && this.plot !== null) {
      this.plot.axes[1].label = this.yAxisLabel();
      this.plot.redraw(false, true);
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Reattached after a removal: the plot survives, the observer must restart.
    if (this.plot !== null && this.resizeObserver !== null) {
      this.resizeObserver.observe(this.plotContainer());
      this.scheduleRedraw();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    if (this.frameRequest !== null) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = null;
  }

  protected scheduleRedraw(): void {
    if (this.frameRequest !== null) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = null;
      this.redraw();
    });
  }

  protected redraw(): void {
    this.aligned = alignLosses(this.steps, this.losses, this.epochs);
    this.plot?.setData(this.plotData());
    this.setAttribute('data-points', String(this.aligned.trainPoints));
  }

  protected fitToContainer(): void {
    const { width, height } = this.plotContainer().getBoundingClientRect();
    if (this.plot === null || width === 0 || height === 0) return;
    this.plot.setSize({ width: Math.floor(width), height: Math.floor(height) });
  }

  protected plotData(): uPlot.AlignedData {
    return [this.aligned.x, this.aligned.train, this.aligned.validation];
  }

  protected plotContainer(): HTMLElement {
    return this.renderRoot.querySelector<HTMLElement>('.plot')!;
  }

  protected yAxisLabel(): string {
    return this.lossKind ? `loss (${this.lossKind.toUpperCase()})` : 'loss';
  }

  protected plotOptions(container: HTMLElement): uPlot.Options {
    const axis = { stroke: AXIS_COLOR, font: AXIS_FONT, labelFont: AXIS_FONT, grid: { stroke: GRID_COLOR }, ticks: { stroke: GRID_COLOR } };
    return {
      width: Math.max(1, Math.floor(container.clientWidth)),
      height: Math.max(1, Math.floor(container.clientHeight)),
      scales: { x: { time: false } },
      legend: { show: false },
      // Zooming is off because every new batch would reset the zoom.
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 'step' },
        { label: 'train loss', stroke: TRAIN_COLOR, width: 1.25, spanGaps: true, points: { show: false } },
        {
          label: 'validation loss',
          stroke: VALIDATION_COLOR,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 8, fill: VALIDATION_COLOR },
        },
      ],
      axes: [
        { ...axis, label: 'step' },
        { ...axis, label: this.yAxisLabel(), size: 60 },
      ],
      hooks: {
        setCursor: [(plot) => this.onCursor(plot.cursor.idx ?? null)],
      },
    };
  }

  protected onCursor(index: number | null): void {
    this.hoverIndex = index;
  }
}

/** Returns the last epoch that ended at or before `step`; epochs must be in ascending order. */
function lastEpochAtOrBefore(epochs: readonly EpochSummary[], step: number): EpochSummary | undefined {
  for (let i = epochs.length - 1; i >= 0; i--) {
    if (epochs[i].step <= step) return epochs[i];
  }
  return undefined;
}

customElements.define('lc-loss-chart', LcLossChart);

declare global {
  interface HTMLElementTagNameMap {
    'lc-loss-chart': LcLossChart;
  }
}
