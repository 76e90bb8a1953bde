// Colours of the overlay's two themes, as the custom properties the
// dashboard's components read. Custom properties inherit into shadow roots,
// so setting them on the overlay's host element themes every panel.

import { css } from 'lit';

/** Styles for an element with a `theme` attribute of `dark` (the default) or `light`. */
export const themeStyles = css`
  :host {
    --lc-text: #eef2f7;
    --lc-text-muted: #a9b4c2;
    --lc-overlay-surface: rgba(13, 17, 23, 0.86);
    --lc-surface-raised: rgba(44, 52, 65, 0.92);
    --lc-border: rgba(255, 255, 255, 0.14);
    --lc-chart-train: #4cc2ff;
    --lc-chart-validation: #ffa94d;
    --lc-chart-axis: #c3ccd8;
    --lc-chart-grid: rgba(255, 255, 255, 0.09);
    --lc-map-background: rgba(0, 0, 0, 0.35);
    color-scheme: dark;
  }

  /* Darker state colours than the dashboard's, for contrast on a light panel. */
  :host([theme='light']) {
    --lc-text: #111820;
    --lc-text-muted: #4a5563;
    --lc-overlay-surface: rgba(255, 255, 255, 0.9);
    --lc-surface-raised: #e3e8ef;
    --lc-border: rgba(17, 24, 32, 0.16);
    --lc-chart-train: #0b6bcb;
    --lc-chart-validation: #c2410c;
    --lc-chart-axis: #3b4452;
    --lc-chart-grid: rgba(17, 24, 32, 0.1);
    --lc-map-background: rgba(17, 24, 32, 0.06);
    --lc-state-starting: #4338ca;
    --lc-state-training: #15803d;
    --lc-state-paused: #a16207;
    --lc-state-diverged: #c62828;
    --lc-state-finished: #0369a1;
    --lc-state-stopped: #52525b;
    --lc-warning-bg: #fff1c2;
    --lc-warning-text: #5c4000;
    --lc-danger: #c62828;
    color-scheme: light;
  }
`;
