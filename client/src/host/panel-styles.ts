// Styles shared by the host panel's components: sections, form fields and
// buttons sized for a laptop screen next to OBS, with visible focus rings.

import { css } from 'lit';

export const panelStyles = css`
  :host {
    display: block;
    color: var(--lc-text, #e8edf4);
  }

  h2 {
    margin: 0 0 0.6rem;
    font-size: 1.05rem;
  }

  button {
    font: inherit;
    padding: 0.3rem 0.75rem;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.35rem;
    background: var(--lc-surface-raised, #232a35);
    color: inherit;
    cursor: pointer;
  }

  button:hover:not(:disabled) {
    border-color: var(--lc-text-muted, #9aa6b5);
  }

  button:disabled {
    opacity: 0.45;
    cursor: default;
  }

  button.danger {
    border-color: #8c3a3a;
  }

  button:focus-visible,
  input:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--lc-focus, #58c4ff);
    outline-offset: 2px;
  }

  input,
  select {
    font: inherit;
    padding: 0.25rem 0.4rem;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.3rem;
    background: var(--lc-bg, #0d1117);
    color: inherit;
  }

  .muted {
    color: var(--lc-text-muted, #9aa6b5);
  }

  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
  }

  .error {
    margin: 0.6rem 0 0;
    padding: 0.5rem 0.7rem;
    border-left: 4px solid var(--lc-danger, #ff6b6b);
    background: rgba(255, 107, 107, 0.1);
    overflow-wrap: anywhere;
  }

  /* A table wider than a phone scrolls on its own instead of widening the page. */
  .table-scroll {
    overflow-x: auto;
  }

  table {
    width: 100%;
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
  }

  th,
  td {
    padding: 0.3rem 0.35rem;
    border-bottom: 1px solid var(--lc-border, #2c3441);
    text-align: left;
    vertical-align: middle;
  }

  th {
    color: var(--lc-text-muted, #9aa6b5);
    font-weight: 600;
    font-size: 0.85rem;
  }
`;

/** A request that a component hands to the panel, which sends it and reports the outcome in its status line. */
export interface HostRequest {
  method: string;
  path: string;
  body?: unknown;
  /** Short name of the request, such as "Pause", for the status line. */
  label: string;
  /** Called with whether the host accepted the request. */
  done?: (ok: boolean) => void;
}

/** Dispatches a `host-request` event that the panel app handles. */
export function requestFrom(element: HTMLElement, request: HostRequest): void {
  element.dispatchEvent(new CustomEvent<HostRequest>('host-request', { detail: request, bubbles: true, composed: true }));
}
