// Number formats shared by the components, so a loss reads the same everywhere.

/** Text shown in place of a value the host has not sent yet. */
export const MISSING = '—';

/** Formats a loss with 4 significant digits, or MISSING when it is absent or not finite. */
export function formatLoss(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return value.toPrecision(4);
}

/** Formats a step or count as a plain integer, or MISSING when it is absent. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return String(Math.round(value));
}
