// Layout rules of the loss chart where uPlot's defaults fail on long runs and
// large text: x labels far enough apart not to touch, room on the right for
// the last label, and validation dots only while they stay apart.

import uPlot from 'uplot';

/** Empty space between two x labels, in multiples of the axis font size. */
const LABEL_GAP_EM = 1.5;

/** Widest label of a wall-time axis in uPlot's default formats, such as 12:59:59pm. */
const WIDEST_TIME_LABEL = '00:00:00pm';

/** Distance between two validation dots, in dot sizes, below which the line is drawn without dots. */
const MIN_DOT_SPACING = 3;

const numberFormat = new Intl.NumberFormat();
let measureContext: CanvasRenderingContext2D | null = null;

/** Returns the axis font, in uPlot's CSS font syntax, for a size in CSS pixels. */
export function axisFont(fontPx: number): string {
  return `${fontPx}px system-ui, sans-serif`;
}

/** Returns uPlot's `space` for the x axis: the widest label in `fontPx` plus a gap, so no two labels touch. */
export function xAxisSpace(fontPx: number, time: boolean): uPlot.Axis.Space {
  return (_plot, _axis, min, max) => xLabelWidth(fontPx, time, Math.max(Math.abs(min), Math.abs(max))) + LABEL_GAP_EM * fontPx;
}

/** Returns uPlot's right padding: half the widest x label, so the label at the right edge is not cut off. */
export function xAxisRightPadding(fontPx: number, time: boolean): uPlot.PaddingSide {
  return (plot) => Math.ceil(xLabelWidth(fontPx, time, Math.abs(plot.scales.x?.max ?? 0)) / 2);
}

/**
 * Returns uPlot's `points.show` for a sparse series such as the validation
 * loss: a dot per point while the visible points are far enough apart, and
 * the line alone once dots would merge into a band over the training loss.
 * A lone point keeps its dot, since it has no line.
 */
export function sparsePointsShow(dotSize: number): uPlot.Series.Points.Show {
  return (plot, seriesIndex, first, last) => {
    const values = plot.data[seriesIndex];
    let count = 0;
    for (let i = first; i <= last; i++) if (values[i] != null) count++;
    const plotWidth = plot.bbox.width / uPlot.pxRatio;
    return count <= 1 || plotWidth / count >= MIN_DOT_SPACING * dotSize;
  };
}

/** Returns the width in CSS pixels of the widest x label up to `max`, as uPlot formats it. */
function xLabelWidth(fontPx: number, time: boolean, max: number): number {
  const text = time ? WIDEST_TIME_LABEL : numberFormat.format(Math.round(max));
  measureContext ??= document.createElement('canvas').getContext('2d');
  // Without a 2D context, 0.6 em per character is an estimate for digits in a sans-serif font.
  if (measureContext === null) return text.length * 0.6 * fontPx;
  measureContext.font = axisFont(fontPx);
  return measureContext.measureText(text).width;
}
