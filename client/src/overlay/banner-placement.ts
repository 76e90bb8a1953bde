// Placement of the model file's error banner on the overlay. The banner spans
// the gap between the two corner stacks of one edge, so it covers none of
// their panels. It takes the edge whose corners leave the wider gap.

import type { OverlayPanel } from './panel';

/** Distance of the corner stacks from the canvas edges, in rem. It matches `.region` in lc-overlay-app.ts. */
export const EDGE_MARGIN = 1.5;

/** Space between the banner and a corner stack, in rem. */
const BANNER_GAP = 1;

/** The banner's edge and its left and right insets, in rem. */
export interface BannerPlacement {
  edge: 'top' | 'bottom';
  left: number;
  right: number;
}

/** Returns the placement that keeps the banner clear of `panels`, the ones the overlay shows now. */
export function bannerPlacement(panels: readonly Pick<OverlayPanel, 'region' | 'width'>[]): BannerPlacement {
  const inset = (region: OverlayPanel['region']): number => {
    const widths = panels.filter((panel) => panel.region === region).map((panel) => panel.width);
    return widths.length === 0 ? EDGE_MARGIN : EDGE_MARGIN + Math.max(...widths) + BANNER_GAP;
  };

  const top: BannerPlacement = { edge: 'top', left: inset('top-left'), right: inset('top-right') };
  const bottom: BannerPlacement = { edge: 'bottom', left: inset('bottom-left'), right: inset('bottom-right') };
  return bottom.left + bottom.right < top.left + top.right ? bottom : top;
}
