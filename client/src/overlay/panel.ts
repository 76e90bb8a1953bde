// The contract of an overlay panel. Each panel is one file in ./panels/ whose
// default export is `definePanel({...})`; the registry finds it there, so
// adding a panel changes no other file.

import type { Topic } from '../../../shared/protocol/topics';
import type { OverlayParams } from './overlay-params';
import type { OverlayStore } from './overlay-store';

/** Corner of the 1920×1080 canvas that a panel stacks in, nearest the corner first. */
export type OverlayRegion = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export const REGIONS: readonly OverlayRegion[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

/** Inputs of a panel's `render`. */
export interface PanelContext {
  /** Run state, bounded, kept live by the socket. */
  store: OverlayStore;
  /** Settings from the overlay's address. */
  params: OverlayParams;
}

export interface OverlayPanel {
  /** Name in the `panels` query parameter: lowercase letters, digits and dashes. */
  name: string;
  /** Heading on the panel and label in the builder. */
  title: string;
  /** One sentence for the builder saying what the panel shows. */
  description: string;
  /** Topics the panel needs; the overlay subscribes to the union over its panels and nothing else. */
  topics: readonly Topic[];
  /** Corner the panel stacks in. */
  region: OverlayRegion;
  /** Width at scale 1, in rem (16 px each), from 8 to 60. */
  width: number;
  /** Rank in the builder's list and in the stack of its region, lowest first. */
  order: number;
  /** Whether `/overlay` without `panels` shows the panel. */
  shownByDefault: boolean;
  /** Renders the panel's content below its heading; called after every change of the store. */
  render(context: PanelContext): unknown;
  /**
   * Returns whether the panel has nothing to show now, so the overlay leaves
   * it out, heading and all. The overlay checks again after every change of the
   * store and once a second. A panel without it always shows.
   */
  isEmpty?(context: PanelContext): boolean;
}

/** Checks a panel's fields and returns it, so that a mistake fails when the page loads, naming the panel. */
export function definePanel(panel: OverlayPanel): OverlayPanel {
  if (!/^[a-z][a-z0-9-]*$/.test(panel.name)) {
    throw new Error(`overlay panel name "${panel.name}" is invalid; use lowercase letters, digits and dashes`);
  }
  if (panel.topics.length === 0) throw new Error(`overlay panel "${panel.name}" names no topics; list the topics its content needs`);
  if (!REGIONS.includes(panel.region)) throw new Error(`overlay panel "${panel.name}" has unknown region "${panel.region}"; use one of ${REGIONS.join(', ')}`);
  if (!(panel.width >= 8 && panel.width <= 60)) throw new Error(`overlay panel "${panel.name}" has width ${panel.width} rem; use 8 to 60`);
  return panel;
}
