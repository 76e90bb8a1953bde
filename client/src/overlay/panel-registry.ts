// Every overlay panel: the default export of each file in ./panels/. Vite
// bundles the files it finds there, so a new panel needs no entry here.

import type { Topic } from '../../../shared/protocol/topics';
import type { OverlayPanel } from './panel';
import type { PanelNames } from './overlay-params';

const modules = import.meta.glob<OverlayPanel>('./panels/*.ts', { eager: true, import: 'default' });

/** Registered panels by ascending `order`. */
export const PANELS: readonly OverlayPanel[] = collectPanels(modules);

/** Names the query parser accepts and shows by default. */
export const PANEL_NAMES: PanelNames = {
  all: PANELS.map((panel) => panel.name),
  shownByDefault: PANELS.filter((panel) => panel.shownByDefault).map((panel) => panel.name),
};

/** Returns the registered panels named in `names`, by ascending `order`. */
export function panelsNamed(names: readonly string[]): OverlayPanel[] {
  return PANELS.filter((panel) => names.includes(panel.name));
}

/** Returns the topics the panels need, each once, in the order of the first panel that needs it. */
export function topicsOf(panels: readonly OverlayPanel[]): Topic[] {
  return [...new Set(panels.flatMap((panel) => panel.topics))];
}

function collectPanels(found: Record<string, OverlayPanel>): OverlayPanel[] {
  const panels = Object.entries(found).map(([path, panel]) => {
    if (panel === undefined) throw new Error(`overlay panel file ${path} has no default export; export definePanel({...}) as default`);
    return panel;
  });

  const seen = new Map<string, string>();
  for (const [path, panel] of Object.entries(found)) {
    const other = seen.get(panel.name);
    if (other !== undefined) throw new Error(`overlay panel name "${panel.name}" is used by both ${other} and ${path}; rename one`);
    seen.set(panel.name, path);
  }
  return panels.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}
