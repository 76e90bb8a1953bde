import { css, html, LitElement, nothing, unsafeCSS } from 'lit';
import type { PropertyValues } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';

import type { EpochSummary, LossKind } from '../../../shared/training';
import { controlStyles } from '../explorer/control-styles';
import { formatCount, formatLoss } from './format';
import { buildChartData, lastIndexAtOrBefore, xValues } from './loss-chart-data';
import type { ChartData, LossXAxis, LossYScale, XRange } from './loss-chart-data';
import { axisFont, sparsePointsShow, xAxisRightPadding, xAxisSpace } from './loss-chart-axes';
import { chartPng, downloadBlob, lossCsv } from './loss-export';
import { MAX_SMOOTHING, smoothLosses } from './loss-smoothing';

const TRAIN_COLOR = '#4cc2ff';
const TRAIN_FAINT_COLOR = 'rgba(76, 194, 255, 0.3)';
const SMOOTHED_COLOR = '#4cc2ff';
const VALIDATION_COLOR = '#ffa94d';
const AXIS_COLOR = '#c3ccd8';
const GRID_COLOR = 'rgba(255, 255, 255, 0.09)';

/** Axis text size as a share of the page's root font size, which the viewer page grows on large screens. */
const AXIS_FONT_REM = 0.78;
const PNG_COLORS = { background: '#161b22', text: '#e8edf4' };

/** Diameter of a validation loss dot, in CSS pixels. */
const VALIDATION_DOT_SIZE = 8;

/** Index of the smoothed training loss among uPlot's series, after x, train and validation. */
const SMOOTHED_SERIES = 3;

/** Default cap on the training loss points handed to uPlot per redraw. */
export const DEFAULT_MAX_PLOT_POINTS = 4000;

/** Points per CSS pixel of plot width; more would draw over each other. */
const POINTS_PER_PIXEL = 2;

/** Minimum of the width-based cap, so a narrow plot still shows the curve's shape. */
const MIN_PLOT_POINTS = 200;

/** Share of the visible x range that one key press pans or zooms by. */
const KEY_ZOOM_FACTOR = 0.5;
const KEY_PAN_SHARE = 0.1;

/** Series values at one column, as the legend shows them. */
interface LegendValues {
  step: number | null;
  /** Wall-clock time of the step, in ms since the Unix epoch; null when unknown. */
  time: number | null;
  train: number | null;
  smoothed: number | null;
  validation: number | null;
  /** Epoch whose validation loss `validation` is; null before the first epoch. */
  epoch: number | null;
}

/**
 * Training loss per step and validation loss per epoch on one uPlot chart,
 * with TensorBoard's smoothing, a linear or log y axis, a step or wall-time
 * x axis, zoom, and CSV and PNG export.
 *
 * However long the run, at most `maxPoints` training losses (and 2 per CSS
 * pixel of plot width) are handed to uPlot: the points in the visible range
 * are downsampled keeping each bucket's lowest and highest loss. Property
 * changes between two animation frames lead to one `setData` call. Zooming by dragging or from
 * the keyboard keeps its range while new losses arrive. The host element
 * carries `data-points` (training losses plotted), `data-validation-points`
 * and `data-stored-points` (training losses received).
 */
export class LcLossChart extends LitElement {
  static override properties = {
    steps: { attribute: false },
    losses: { attribute: false },
    elapsedMs: { attribute: false },
    epochs: { attribute: false },
    lossKind: { attribute: 'loss-kind' },
    runStartedAt: { attribute: false },
    smoothing: { type: Number },
    yScale: { attribute: 'y-scale', reflect: true },
    xAxis: { attribute: 'x-axis', reflect: true },
    maxPoints: { type: Number, attribute: 'max-points' },
    controls: { type: Boolean, reflect: true },
    hoverIndex: { state: true },
    zoom: { state: true },
    exportError: { state: true },
  };

  static override styles = [
    unsafeCSS(uPlotCss),
    controlStyles,
    css`
      :host {
        display: block;
        color: var(--lc-text, #e8edf4);
      }

      .toolbar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.9rem;
        margin: 0 0 0.75rem;
        font-size: 0.85rem;
      }

      .toolbar button {
        min-height: 2rem;
        padding: 0.25em 0.7em;
        font-size: 0.85rem;
      }

      .smoothing {
        display: inline-flex;
        align-items: center;
        gap: 0.5rem;
      }

      .smoothing input {
        width: clamp(6rem, 9vw, 10rem);
      }

      output {
        min-width: 2.6em;
        font-variant-numeric: tabular-nums;
      }

      fieldset {
        display: inline-flex;
        align-items: center;
        gap: 0;
        margin: 0;
        padding: 0;
        border: 0;
      }

      legend {
        float: left;
        margin-right: 0.5rem;
        padding: 0;
      }

      .segment {
        position: relative;
      }

      .segment input {
        position: absolute;
        opacity: 0;
        inset: 0;
        margin: 0;
        cursor: pointer;
      }

      .segment span {
        display: inline-block;
        padding: 0.3em 0.65em;
        border: 1px solid var(--lc-border, #2c3441);
        background: var(--lc-surface-raised, #232a35);
        font-weight: 600;
      }

      .segment:first-of-type span {
        border-radius: 0.5rem 0 0 0.5rem;
      }

      .segment:last-of-type span {
        border-radius: 0 0.5rem 0.5rem 0;
      }

      .segment input:checked + span {
        border-color: var(--lc-accent);
        background: var(--lc-accent);
        color: var(--lc-accent-text);
      }

      .segment input:focus-visible + span {
        outline: 2px solid var(--lc-accent);
        outline-offset: 2px;
      }

      .segment input:disabled + span {
        opacity: 0.5;
      }

      .actions {
        display: inline-flex;
        align-items: center;
        gap: 0.5rem;
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
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0 0.4em;
      }

      .entry > span {
        white-space: nowrap;
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
        pointer-events: none;
      }

      .plot {
        position: relative;
        height: var(--lc-loss-chart-height, clamp(220px, 42vh, 420px));
        overflow: hidden;
        border-radius: 0.25rem;
      }

      .plot:focus-visible {
        outline: 2px solid var(--lc-accent);
        outline-offset: 2px;
      }

      .error {
        margin: 0.5rem 0 0;
        color: var(--lc-danger, #ff6b6b);
      }
    `,
  ];

  /** Global step of each training loss, strictly ascending. */
  declare steps: ArrayLike<number>;
  /** Training loss at each entry of `steps`; non-finite values are not plotted. */
  declare losses: ArrayLike<number>;
  /** Milliseconds from the start of the run to each entry of `steps`; the wall-time axis needs them. */
  declare elapsedMs: ArrayLike<number>;
  /** Epoch summaries in ascending order; each adds a validation point at its `step`. */
  declare epochs: readonly EpochSummary[];
  /** Loss function of the run (`bce` or `mse`), shown in the axis label; empty when unknown. */
  declare lossKind: LossKind | '';
  /** Start of the run in milliseconds since the Unix epoch; 0 while unknown, which disables the wall-time axis. */
  declare runStartedAt: number;
  /** Weight of the debiased exponential moving average drawn over the training loss, 0 (off, the default) to 0.99. */
  declare smoothing: number;
  /** Y axis scale, `linear` (default) or `log`. */
  declare yScale: LossYScale;
  /** X axis quantity, `step` (default) or `time` (wall-clock time of each step). */
  declare xAxis: LossXAxis;
  /** Maximum number of training losses handed to uPlot per redraw, at least 4; default 4,000. */
  declare maxPoints: number;
  /** Shows the toolbar: smoothing slider, axis choices, zoom reset and exports. Off by default, for embeds such as a stream overlay. */
  declare controls: boolean;
  /** Column under the pointer; null when the pointer is off the plot. */
  declare protected hoverIndex: number | null;
  /** Visible x range, or null for the whole run. */
  declare protected zoom: XRange | null;
  /** Message of the last failed export, or null. */
  declare protected exportError: string | null;

  private plot: uPlot | null;
  private chartData: ChartData;
  private smoothedCache: { losses: ArrayLike<number>; smoothing: number; values: Float64Array } | null;
  private frameRequest: number | null;
  private resizeObserver: ResizeObserver | null;

  constructor() {
    super();
    this.steps = [];
    this.losses = [];
    this.elapsedMs = [];
    this.epochs = [];
    this.lossKind = '';
    this.runStartedAt = 0;
    this.smoothing = 0;
    this.yScale = 'linear';
    this.xAxis = 'step';
    this.maxPoints = DEFAULT_MAX_PLOT_POINTS;
    this.controls = false;
    this.hoverIndex = null;
    this.zoom = null;
    this.exportError = null;
    this.plot = null;
    this.chartData = emptyChartData();
    this.smoothedCache = null;
    this.frameRequest = null;
    this.resizeObserver = null;
  }

  /** Number of training losses handed to uPlot at the last redraw. */
  get plottedPoints(): number {
    return this.chartData.trainPoints;
  }

  /** The uPlot instance, for pages that sync or inspect the plot; null before the first render. */
  get uplot(): uPlot | null {
    return this.plot;
  }

  protected override render() {
    return html`
      ${this.controls ? this.renderToolbar() : nothing} ${this.renderLegend()}
      <div class="frame">
        <div
          class="plot"
          tabindex="0"
          role="group"
          aria-roledescription="chart"
          aria-label=${this.describe()}
          aria-describedby="chart-keys"
          @keydown=${this.onPlotKey}
        ></div>
        ${this.steps.length === 0 ? html`<p class="empty" aria-hidden="true">Waiting for the first training loss…</p>` : nothing}
      </div>
      <p id="chart-keys" class="visually-hidden">
        Drag across the chart to zoom in and double-click to reset. With the chart focused, plus and minus zoom, the arrow
        keys move along the run, and 0 or Escape resets the zoom.
      </p>
      ${this.exportError ? html`<p class="error" role="alert">${this.exportError}</p>` : nothing}
    `;
  }

  protected renderToolbar() {
    const smoothing = this.smoothing.toFixed(2);
    return html`
      <div class="toolbar">
        <label class="smoothing">
          Smoothing
          <input
            type="range"
            min="0"
            max=${MAX_SMOOTHING}
            step="0.01"
            .value=${smoothing}
            aria-valuetext=${this.smoothing === 0 ? 'off' : smoothing}
            data-testid="loss-smoothing"
            @input=${this.onSmoothingInput}
          />
          <output aria-hidden="true">${smoothing}</output>
        </label>
        ${this.renderChoice('Y axis', 'y-scale', this.yScale, [
          ['linear', 'Linear'],
          ['log', 'Log'],
        ])}
        ${this.renderChoice('X axis', 'x-axis', this.xAxis, [
          ['step', 'Step'],
          ['time', 'Wall time'],
        ])}
        <button type="button" ?disabled=${this.zoom === null} data-testid="loss-reset-zoom" @click=${this.resetZoom}>Reset zoom</button>
        <span class="actions">
          Export
          <button type="button" aria-label="Export CSV" data-testid="loss-export-csv" @click=${this.exportCsv}>CSV</button>
          <button type="button" aria-label="Export PNG" data-testid="loss-export-png" @click=${this.exportPng}>PNG</button>
        </span>
      </div>
    `;
  }

  /** Renders a radio group as a segmented control; `name` is also the property's attribute name. */
  protected renderChoice(label: string, name: 'y-scale' | 'x-axis', value: string, options: [string, string][]) {
    const disabled = (option: string) => option === 'time' && this.runStartedAt <= 0;
    return html`
      <fieldset>
        <legend>${label}</legend>
        ${options.map(
          ([option, text]) => html`
            <label class="segment">
              <input
                type="radio"
                name=${name}
                value=${option}
                .checked=${value === option}
                ?disabled=${disabled(option)}
                data-testid="loss-${name}-${option}"
                @change=${this.onChoice}
              /><span>${text}</span>
            </label>
          `,
        )}
      </fieldset>
    `;
  }

  protected renderLegend() {
    const values = this.legendValues();
    const epochNote = values.epoch === null ? '' : `(epoch ${values.epoch})`;
    const showSmoothed = this.smoothing > 0;
    return html`
      <p class="legend" aria-hidden="true">
        <span class="entry">
          <span><span class="swatch" style="background: ${TRAIN_COLOR}"></span> Train loss <strong data-testid="loss-legend-train">${formatLoss(values.train)}</strong></span>
          ${showSmoothed ? html`<span>smoothed <strong data-testid="loss-legend-smoothed">${formatLoss(values.smoothed)}</strong></span>` : nothing}
        </span>
        <span class="entry">
          <span><span class="swatch" style="background: ${VALIDATION_COLOR}"></span> Validation loss <strong>${formatLoss(values.validation)}</strong></span>
          <span>${epochNote}</span>
        </span>
        <span class="at">${this.positionText(values)}</span>
      </p>
    `;
  }

  /** Returns the text of the chart's label, which names the latest values; it is not a live region, so it is read on focus only. */
  protected describe(): string {
    const latest = this.latestValues();
    if (latest.step === null) return 'Loss chart, no training loss yet';
    let text = `Loss chart. Training loss ${formatLoss(latest.train)} at step ${latest.step}.`;
    if (this.smoothing > 0) text += ` Smoothed ${formatLoss(latest.smoothed)}.`;
    if (latest.epoch !== null) text += ` Validation loss ${formatLoss(latest.validation)} after epoch ${latest.epoch}.`;
    if (this.zoom !== null) text += ` Zoomed to ${this.rangeText(this.zoom)}.`;
    return text;
  }

  protected positionText(values: LegendValues): string {
    if (values.step === null) return '';
    const time = values.time === null ? '' : `, ${new Date(values.time).toLocaleTimeString()}`;
    return `at step ${formatCount(values.step)}${time}`;
  }

  protected rangeText(range: XRange): string {
    if (this.xAxis === 'step') return `steps ${formatCount(range.min)} to ${formatCount(range.max)}`;
    return `${new Date(range.min * 1000).toLocaleTimeString()} to ${new Date(range.max * 1000).toLocaleTimeString()}`;
  }

  protected legendValues(): LegendValues {
    const index = this.hoverIndex;
    const data = this.chartData;
    if (index === null || index >= data.steps.length) return this.latestValues();

    const step = data.steps[index];
    const epoch = lastEpochAtOrBefore(this.epochs, step);
    return {
      step,
      time: this.timeAtStep(step),
      train: data.train[index],
      smoothed: data.smoothed[index],
      validation: epoch?.validationLoss ?? null,
      epoch: epoch?.epoch ?? null,
    };
  }

  protected latestValues(): LegendValues {
    let index = Math.min(this.steps.length, this.losses.length) - 1;
    while (index >= 0 && !Number.isFinite(this.losses[index])) index--;
    const epoch = this.epochs.at(-1);
    const smoothed = index >= 0 ? this.smoothedLosses()[index] : null;
    return {
      step: index >= 0 ? this.steps[index] : null,
      time: index >= 0 ? this.timeAt(index) : null,
      train: index >= 0 ? this.losses[index] : null,
      smoothed,
      validation: epoch?.validationLoss ?? null,
      epoch: epoch?.epoch ?? null,
    };
  }

  protected override firstUpdated(): void {
    this.resizeObserver = new ResizeObserver(() => this.fitToContainer());
    this.resizeObserver.observe(this.plotContainer());
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A zoom range in steps means nothing on the time axis, and the reverse.
    if (changed.has('xAxis') && changed.get('xAxis') !== undefined) this.zoom = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (this.plot === null || changed.has('yScale') || changed.has('xAxis')) {
      this.createPlot();
      return;
    }
    const dataChanged = ['steps', 'losses', 'elapsedMs', 'epochs', 'smoothing', 'maxPoints', 'zoom', 'runStartedAt'].some((key) => changed.has(key as keyof LcLossChart));
    if (dataChanged) this.scheduleRedraw();
    if (changed.has('smoothing') && this.plot !== null) this.plot.setSeries(SMOOTHED_SERIES, { show: this.smoothing > 0 });
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

  /** Hands uPlot the points of the visible range; a zoomed plot keeps its x range, an unzoomed one fits the whole run. */
  protected redraw(): void {
    this.chartData = buildChartData(this.columns(), this.smoothedLosses(), this.epochs, {
      xAxis: this.xAxis,
      yScale: this.yScale,
      runStartedAt: this.runStartedAt,
      maxPoints: this.effectiveMaxPoints(),
      range: this.zoom,
    });
    const plot = this.plot;
    if (plot !== null) {
      const data = this.chartData;
      plot.batch(() => {
        plot.setData([data.x, data.train, data.validation, data.smoothed], this.zoom === null);
        if (this.zoom !== null) plot.setScale('x', this.zoom);
      });
    }
    this.setAttribute('data-points', String(this.chartData.trainPoints));
    this.setAttribute('data-validation-points', String(this.chartData.validationPoints));
    this.setAttribute('data-stored-points', String(this.steps.length));
    this.requestUpdate();
  }

  /** Returns the point cap for the current plot width: 2 per CSS pixel, between 200 and `maxPoints`. */
  protected effectiveMaxPoints(): number {
    const width = this.plot?.width ?? this.plotContainer()?.clientWidth ?? 0;
    const byWidth = Math.max(MIN_PLOT_POINTS, Math.round(width * POINTS_PER_PIXEL));
    return Math.max(4, Math.min(this.maxPoints, byWidth));
  }

  protected fitToContainer(): void {
    const { width, height } = this.plotContainer().getBoundingClientRect();
    if (this.plot === null || width === 0 || height === 0) return;
    this.plot.setSize({ width: Math.floor(width), height: Math.floor(height) });
    this.scheduleRedraw();
  }

  /** Creates the uPlot instance anew, as changing an axis's scale kind needs. */
  protected createPlot(): void {
    const container = this.plotContainer();
    this.plot?.destroy();
    this.plot = new uPlot(this.plotOptions(container), [[], [], [], []], container);
    this.plot.over.addEventListener('dblclick', () => this.resetZoom());
    this.hoverIndex = null;
    this.redraw();
  }

  protected plotContainer(): HTMLElement {
    return this.renderRoot.querySelector<HTMLElement>('.plot')!;
  }

  protected yAxisLabel(): string {
    const kind = this.lossKind ? `loss (${this.lossKind.toUpperCase()})` : 'loss';
    return this.yScale === 'log' ? `${kind}, log scale` : kind;
  }

  /** Returns the size of the axis text in CSS pixels. */
  protected axisFontPx(): number {
    return Math.round(rootFontSize() * AXIS_FONT_REM);
  }

  protected plotOptions(container: HTMLElement): uPlot.Options {
    const fontPx = this.axisFontPx();
    const font = axisFont(fontPx);
    const axis = { stroke: AXIS_COLOR, font, labelFont: font, grid: { stroke: GRID_COLOR }, ticks: { stroke: GRID_COLOR } };
    const time = this.xAxis === 'time';
    return {
      width: Math.max(1, Math.floor(container.clientWidth)),
      height: Math.max(1, Math.floor(container.clientHeight)),
      padding: [null, xAxisRightPadding(fontPx, time), null, null],
      scales: {
        x: { time },
        y: this.yScale === 'log' ? { distr: 3, log: 10 } : {},
      },
      legend: { show: false },
      cursor: {
        // Dragging selects a range, which onSelect turns into the zoom this component keeps across new data.
        drag: { x: true, y: false, setScale: false, dist: 4 },
        // uPlot's own double-click would fit only the points of the zoomed range, so resetZoom replaces it.
        bind: { dblclick: () => null },
      },
      // The smoothed line comes last, so subclasses that restyle series 1 and 2 (train and validation) need not know it.
      series: [
        { label: time ? 'wall time' : 'step' },
        {
          label: 'train loss',
          stroke: () => (this.smoothing > 0 ? TRAIN_FAINT_COLOR : TRAIN_COLOR),
          width: 1.25,
          spanGaps: true,
          points: { show: false },
        },
        {
          label: 'validation loss',
          stroke: VALIDATION_COLOR,
          width: 2,
          spanGaps: true,
          points: { show: sparsePointsShow(VALIDATION_DOT_SIZE), size: VALIDATION_DOT_SIZE, fill: VALIDATION_COLOR },
        },
        { label: 'smoothed train loss', stroke: SMOOTHED_COLOR, width: 2, spanGaps: true, points: { show: false }, show: this.smoothing > 0 },
      ],
      axes: [
        { ...axis, label: time ? 'wall time' : 'step', size: Math.round(fontPx * 4.1), space: xAxisSpace(fontPx, time) },
        { ...axis, label: this.yAxisLabel(), size: Math.round(fontPx * 5.1) },
      ],
      hooks: {
        setCursor: [(plot) => this.onCursor(plot.cursor.idx ?? null)],
        setSelect: [(plot) => this.onSelect(plot)],
      },
    };
  }

  protected onCursor(index: number | null): void {
    this.hoverIndex = index;
  }

  protected onSelect(plot: uPlot): void {
    const { left, width } = plot.select;
    plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (width < 2) return;
    this.setZoom({ min: plot.posToVal(left, 'x'), max: plot.posToVal(left + width, 'x') });
  }

  /** Zooms to `range`, clamped to the run; a range covering the whole run resets the zoom. */
  protected setZoom(range: XRange): void {
    const full = this.fullRange();
    if (full === null) return;
    const min = Math.max(full.min, range.min);
    const max = Math.min(full.max, range.max);
    if (max <= min) return;
    this.zoom = min <= full.min && max >= full.max ? null : { min, max };
  }

  protected resetZoom(): void {
    this.zoom = null;
  }

  /** Returns the x range of every stored point and validation point, or null before the first. */
  protected fullRange(): XRange | null {
    if (this.steps.length === 0) return null;
    const x = xValues(this.columns(), this.xAxis, this.runStartedAt);
    const lastEpochStep = this.epochs.at(-1)?.step ?? -Infinity;
    const lastX = this.xAxis === 'step' ? Math.max(x[x.length - 1], lastEpochStep) : x[x.length - 1];
    return { min: x[0], max: lastX };
  }

  protected onPlotKey(event: KeyboardEvent): void {
    const full = this.fullRange();
    if (full === null) return;
    const range = this.zoom ?? full;
    const span = range.max - range.min;
    const centre = (range.min + range.max) / 2;

    switch (event.key) {
      case '+':
      case '=':
        this.setZoom({ min: centre - (span * KEY_ZOOM_FACTOR) / 2, max: centre + (span * KEY_ZOOM_FACTOR) / 2 });
        break;
      case '-':
      case '_':
        this.setZoom({ min: centre - span / KEY_ZOOM_FACTOR / 2, max: centre + span / KEY_ZOOM_FACTOR / 2 });
        break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        if (this.zoom === null) return;
        const shift = (event.key === 'ArrowLeft' ? -1 : 1) * span * KEY_PAN_SHARE;
        const clampedShift = Math.max(full.min - range.min, Math.min(full.max - range.max, shift));
        this.setZoom({ min: range.min + clampedShift, max: range.max + clampedShift });
        break;
      }
      case '0':
      case 'Escape':
        if (this.zoom === null) return;
        this.resetZoom();
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  protected onSmoothingInput(event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    this.smoothing = Math.min(MAX_SMOOTHING, Math.max(0, value));
  }

  protected onChoice(event: Event): void {
    const input = event.target as HTMLInputElement;
    if (input.name === 'y-scale') this.yScale = input.value as LossYScale;
    if (input.name === 'x-axis') this.xAxis = input.value as LossXAxis;
  }

  protected exportCsv(): void {
    const csv = lossCsv(this.columns(), this.smoothedLosses(), this.epochs, this.runStartedAt);
    downloadBlob(new Blob([csv], { type: 'text/csv' }), `${this.fileStem()}.csv`);
  }

  protected async exportPng(): Promise<void> {
    const canvas = this.plot?.ctx.canvas;
    if (!canvas) return;
    const latest = this.latestValues();
    const lines = [
      `Train loss ${formatLoss(latest.train)}${this.smoothing > 0 ? `, smoothed ${formatLoss(latest.smoothed)} (smoothing ${this.smoothing.toFixed(2)})` : ''}`,
      `Validation loss ${formatLoss(latest.validation)}${latest.epoch === null ? '' : ` after epoch ${latest.epoch}`}, step ${formatCount(latest.step)}`,
    ];
    try {
      const png = await chartPng(canvas, `latentcast · ${this.yAxisLabel()}`, lines, PNG_COLORS);
      downloadBlob(png, `${this.fileStem()}.png`);
      this.exportError = null;
    } catch (error) {
      this.exportError = `The PNG export failed: ${(error as Error).message}.`;
    }
  }

  protected fileStem(): string {
    const step = this.steps.length > 0 ? this.steps[this.steps.length - 1] : 0;
    return `latentcast-loss-step-${step}`;
  }

  protected columns() {
    return { steps: this.steps, losses: this.losses, elapsedMs: this.elapsedMs };
  }

  /** Returns the smoothing of every stored loss, recomputed only when the losses or the weight change. */
  protected smoothedLosses(): Float64Array {
    const cache = this.smoothedCache;
    if (cache !== null && cache.losses === this.losses && cache.smoothing === this.smoothing) return cache.values;
    const values = smoothLosses(this.losses, this.smoothing);
    this.smoothedCache = { losses: this.losses, smoothing: this.smoothing, values };
    return values;
  }

  protected timeAt(index: number): number | null {
    if (this.runStartedAt <= 0 || index >= this.elapsedMs.length) return null;
    return this.runStartedAt + this.elapsedMs[index];
  }

  protected timeAtStep(step: number): number | null {
    const index = lastIndexAtOrBefore(this.steps, step);
    return index < 0 ? null : this.timeAt(index);
  }
}

/** Returns the last epoch that ended at or before `step`; epochs must be in ascending order. */
function lastEpochAtOrBefore(epochs: readonly EpochSummary[], step: number): EpochSummary | undefined {
  for (let i = epochs.length - 1; i >= 0; i--) {
    if (epochs[i].step <= step) return epochs[i];
  }
  return undefined;
}

/** Returns the root element's font size in CSS pixels, 16 when it cannot be read. */
function rootFontSize(): number {
  const size = parseFloat(getComputedStyle(document.documentElement).fontSize);
  return Number.isFinite(size) && size > 0 ? size : 16;
}

function emptyChartData(): ChartData {
  return { x: [], steps: [], train: [], smoothed: [], validation: [], trainPoints: 0, validationPoints: 0 };
}

customElements.define('lc-loss-chart', LcLossChart);

declare global {
  interface HTMLElementTagNameMap {
    'lc-loss-chart': LcLossChart;
  }
}
