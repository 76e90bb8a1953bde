import { css } from 'lit';
import type uPlot from 'uplot';

import { LcLossChart } from '../../components/lc-loss-chart';

/** Axis font size at scale 1, in CSS pixels, the same as the dashboard chart's. */
const AXIS_FONT_PX = 13;

/**
 * The dashboard's loss chart with the overlay's theme colours, axis text that
 * follows the overlay's scale, and no cursor, since an OBS source has no
 * pointer. Colours come from `--lc-chart-train`, `--lc-chart-validation`,
 * `--lc-chart-axis` and `--lc-chart-grid`, read when the plot is created.
 */
export class LcOverlayLossChart extends LcLossChart {
  static override styles = [
    ...LcLossChart.styles,
    // The legend swatches carry the dashboard's colours inline, which only !important overrides.
    css`
      .legend .entry:nth-child(1) .swatch {
        background: var(--lc-chart-train) !important;
      }

      .legend .entry:nth-child(2) .swatch {
        background: var(--lc-chart-validation) !important;
      }
    `,
  ];

  /**
   * Returns the axis text size, which follows the overlay's scale through the
   * root font size. It is whole pixels, because uPlot 1.6.32 parses a size
   * such as 16.3px as 3px when it scales fonts for the device pixel ratio.
   */
  protected override axisFontPx(): number {
    const scale = parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
    return Math.round(AXIS_FONT_PX * scale);
  }

  protected override plotOptions(container: HTMLElement): uPlot.Options {
    const options = super.plotOptions(container);
    const style = getComputedStyle(this);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;

    const axisColor = color('--lc-chart-axis', '#c3ccd8');
    const gridColor = color('--lc-chart-grid', 'rgba(255, 255, 255, 0.09)');
    for (const axis of options.axes ?? []) {
      Object.assign(axis, { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor } });
    }

    const [, train, validation] = options.series;
    train.stroke = color('--lc-chart-train', '#4cc2ff');
    validation.stroke = color('--lc-chart-validation', '#ffa94d');
    if (validation.points) validation.points.fill = validation.stroke as string;

    options.cursor = { show: false };
    return options;
  }
}

customElements.define('lc-overlay-loss-chart', LcOverlayLossChart);

declare global {
  interface HTMLElementTagNameMap {
    'lc-overlay-loss-chart': LcOverlayLossChart;
  }
}
