// Exports of the loss chart: the loss history as CSV and the plot as PNG.

import type { EpochSummary } from '../../../shared/training';
import type { LossColumns } from './loss-chart-data';
import { lastIndexAtOrBefore } from './loss-chart-data';

/** Header row of the CSV export. */
export const LOSS_CSV_HEADER = 'step,wall_time,elapsed_seconds,train_loss,smoothed_train_loss,validation_loss';

/**
 * Returns the loss history as CSV: one row per stored training loss and one
 * per epoch, merged into one row where they share a step. `wall_time` is ISO
 * 8601 in UTC, and losses have the 7 significant digits of the float32 values
 * the host sends. Empty cells mark values a row does not have. Past
 * LOSS_HISTORY_MAX_POINTS the page keeps a downsampled history, and the
 * export contains what the page keeps.
 */
export function lossCsv(columns: LossColumns, smoothed: ArrayLike<number>, epochs: readonly EpochSummary[], runStartedAt: number): string {
  const rows = [LOSS_CSV_HEADER];
  const count = columns.steps.length;
  let e = 0;

  for (let i = 0; i < count; i++) {
    const step = columns.steps[i];
    while (e < epochs.length && epochs[e].step < step) rows.push(epochRow(columns, epochs[e++], runStartedAt));
    const validation = e < epochs.length && epochs[e].step === step ? epochs[e++].validationLoss : null;
    rows.push(csvRow(step, runStartedAt, columns.elapsedMs[i], columns.losses[i], smoothed[i], validation));
  }
  while (e < epochs.length) rows.push(epochRow(columns, epochs[e++], runStartedAt));
  return `${rows.join('\n')}\n`;
}

/**
 * Draws the plot's canvas under a title band on the page's background and
 * returns it as a PNG. uPlot draws series, axes and grid on that one canvas,
 * at the device's pixel ratio.
 */
export function chartPng(plotCanvas: HTMLCanvasElement, title: string, lines: readonly string[], colors: { background: string; text: string }): Promise<Blob> {
  const ratio = plotCanvas.width / Math.max(1, plotCanvas.clientWidth || plotCanvas.width);
  const fontSize = Math.round(16 * ratio);
  const band = Math.round((lines.length + 1) * fontSize * 1.5 + fontSize);
  const canvas = document.createElement('canvas');
  canvas.width = plotCanvas.width;
  canvas.height = plotCanvas.height + band;

  const context = canvas.getContext('2d');
  if (context === null) return Promise.reject(new Error('the browser has no 2D canvas to draw the PNG on'));
  context.fillStyle = colors.background;
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = colors.text;
  context.textBaseline = 'top';
  context.font = `600 ${fontSize}px system-ui, sans-serif`;
  context.fillText(title, fontSize, fontSize / 2);
  context.font = `${fontSize}px system-ui, sans-serif`;
  lines.forEach((line, index) => context.fillText(line, fontSize, fontSize / 2 + (index + 1) * fontSize * 1.5));
  context.drawImage(plotCanvas, 0, band);

  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser failed to encode the chart as PNG'))), 'image/png');
  });
}

/** Saves `blob` as a download named `fileName`, through a temporary link. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later rather than at once, since the download may still be reading the URL.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function epochRow(columns: LossColumns, summary: EpochSummary, runStartedAt: number): string {
  const index = lastIndexAtOrBefore(columns.steps, summary.step);
  const elapsed = index < 0 ? null : columns.elapsedMs[index];
  return csvRow(summary.step, runStartedAt, elapsed, null, null, summary.validationLoss);
}

function csvRow(step: number, runStartedAt: number, elapsedMs: number | null, train: number | null, smoothed: number | null, validation: number | null): string {
  const time = elapsedMs === null || runStartedAt <= 0 ? '' : new Date(runStartedAt + elapsedMs).toISOString();
  const seconds = elapsedMs === null ? '' : (elapsedMs / 1000).toFixed(3);
  return [String(step), time, seconds, lossCell(train), lossCell(smoothed), lossCell(validation)].join(',');
}

function lossCell(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : String(Number(value.toPrecision(7)));
}
