// The overlay's query parameters: which panels, the theme, the scale and the
// accent colour. Parsing returns every problem at once, so the streamer can
// fix the address in one go; the page shows them instead of the overlay.

/** Colour themes the overlay has. */
export const THEMES = ['dark', 'light'] as const;
export type OverlayTheme = (typeof THEMES)[number];

/** Smallest and largest `scale`, a factor on every size of the overlay. */
export const MIN_SCALE = 0.5;
export const MAX_SCALE = 2;

/** Accent used when the address has none, the dashboard's training-loss blue. */
export const DEFAULT_ACCENT = '#4cc2ff';

/** Query parameters the overlay reads; any other name is rejected as a likely typo. */
export const PARAMETERS = ['panels', 'theme', 'scale', 'accent'] as const;

/** Settings of one overlay, read from its address. */
export interface OverlayParams {
  /** Panel names, each one registered, without repeats, in the order given. */
  panels: readonly string[];
  theme: OverlayTheme;
  /** Factor on every size, from MIN_SCALE to MAX_SCALE; 1 fits a 1920×1080 canvas. */
  scale: number;
  /** CSS colour of panel edges and headings. */
  accent: string;
}

/** Registered panel names, as the parser needs them. */
export interface PanelNames {
  /** Every registered panel name, in display order. */
  all: readonly string[];
  /** Names shown when the address has no `panels`. */
  shownByDefault: readonly string[];
}

export type ParseResult = { ok: true; params: OverlayParams } | { ok: false; problems: string[] };

/**
 * Reads the overlay settings from `search` (such as `?panels=loss,status`).
 * `hash` is the address's fragment: a colour written as `accent=#ff0000` ends
 * up there, because `#` starts the fragment. `isColor` returns whether a string
 * is a valid CSS colour; the page passes `CSS.supports('color', value)`.
 */
export function parseOverlayParams(search: string, hash: string, panels: PanelNames, isColor: (value: string) => boolean): ParseResult {
  const query = new URLSearchParams(search);
  const problems: string[] = [];

  for (const name of new Set(query.keys())) {
    if (!(PARAMETERS as readonly string[]).includes(name)) {
      problems.push(`Unknown parameter "${name}". Valid parameters: ${PARAMETERS.join(', ')}.`);
    }
  }

  const panelList = readPanels(query.get('panels'), panels, problems);
  const theme = readTheme(query.get('theme'), problems);
  const scale = readScale(query.get('scale'), problems);
  const accent = readAccent(query.get('accent'), hash, isColor, problems);

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, params: { panels: panelList, theme, scale, accent } };
}

/**
 * Returns the query string (without `?`) that `parseOverlayParams` reads back
 * as `params`. A hex accent goes without its `#`, so the address needs no `%23`.
 */
export function formatOverlayQuery(params: OverlayParams): string {
  const accent = /^#[0-9a-f]{3,8}$/i.test(params.accent) ? params.accent.slice(1) : params.accent;
  const query = new URLSearchParams({ panels: params.panels.join(','), theme: params.theme, scale: String(params.scale), accent });
  // URLSearchParams escapes the commas; the address stays readable without that.
  return query.toString().replace(/%2C/gi, ',');
}

/** Returns `value` trimmed, with `#` before a bare hex code, the usual way to write a colour in an address. */
export function accentColor(value: string): string {
  const trimmed = value.trim();
  return /^([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(trimmed) ? `#${trimmed}` : trimmed;
}

function readPanels(value: string | null, panels: PanelNames, problems: string[]): string[] {
  if (value === null) return [...panels.shownByDefault];

  const names = value.split(',').map((name) => name.trim().toLowerCase());
  if (names.every((name) => name === '')) {
    problems.push(`panels is empty. Name at least one panel, such as panels=${panels.shownByDefault.join(',')}. Valid panels: ${panels.all.join(', ')}.`);
    return [];
  }

  const chosen: string[] = [];
  for (const name of names) {
    if (name === '' || chosen.includes(name)) continue;
    if (!panels.all.includes(name)) {
      problems.push(`Unknown panel "${name}" in panels=${value}. Valid panels: ${panels.all.join(', ')}.`);
      continue;
    }
    chosen.push(name);
  }
  return chosen;
}

function readTheme(value: string | null, problems: string[]): OverlayTheme {
  if (value === null) return 'dark';
  const theme = value.trim().toLowerCase();
  if ((THEMES as readonly string[]).includes(theme)) return theme as OverlayTheme;
  problems.push(`Unknown theme "${value}". Valid themes: ${THEMES.join(', ')}.`);
  return 'dark';
}

function readScale(value: string | null, problems: string[]): number {
  if (value === null) return 1;
  const scale = value.trim() === '' ? NaN : Number(value);
  if (Number.isFinite(scale) && scale >= MIN_SCALE && scale <= MAX_SCALE) return scale;
  problems.push(`Invalid scale "${value}". Use a number from ${MIN_SCALE} to ${MAX_SCALE}, such as scale=1.25; 1 fits a 1920×1080 canvas.`);
  return 1;
}

function readAccent(value: string | null, hash: string, isColor: (value: string) => boolean, problems: string[]): string {
  if (value === null) return DEFAULT_ACCENT;

  const trimmed = value.trim();
  if (trimmed === '') {
    const fix = hash.length > 1 ? `accent=${hash.slice(1)} (a "#" in an address starts the fragment, so leave it out or write it as %23)` : 'accent=ff6b6b or accent=tomato';
    problems.push(`accent is empty. Write the colour as ${fix}.`);
    return DEFAULT_ACCENT;
  }

  const color = accentColor(trimmed);
  if (isColor(color)) return color;
  problems.push(`Invalid accent "${value}". Use a CSS colour such as accent=ff6b6b, accent=tomato or accent=rgb(255,107,107).`);
  return DEFAULT_ACCENT;
}
