// Styles of the explorer's buttons, fields and headings, shared by its
// components so that every control looks and focuses the same way.

import { css } from 'lit';

export const controlStyles = css`
  :host {
    --lc-accent: #58c4ff;
    --lc-accent-text: #06121c;
    color: var(--lc-text, #e8edf4);
  }

  h3 {
    margin: 0 0 0.6rem;
    font-size: 1rem;
    font-weight: 650;
    letter-spacing: 0.01em;
  }

  button {
    min-height: 2.25rem;
    padding: 0.35em 0.9em;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.5rem;
    background: var(--lc-surface-raised, #232a35);
    color: inherit;
    font: inherit;
    font-size: 0.95rem;
    font-weight: 600;
    cursor: pointer;
  }

  button:hover:not(:disabled) {
    border-color: #46546a;
    background: #2c3543;
  }

  button[aria-pressed='true'] {
    border-color: var(--lc-accent);
    background: var(--lc-accent);
    color: var(--lc-accent-text);
  }

  button:disabled {
    cursor: not-allowed;
    opacity: 0.5;
  }

  input[type='number'],
  input[type='text'],
  select {
    box-sizing: border-box;
    min-height: 2.25rem;
    padding: 0.3em 0.5em;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.4rem;
    background: var(--lc-bg, #0d1117);
    color: inherit;
    font: inherit;
    font-size: 0.95rem;
  }

  input[type='number'] {
    font-variant-numeric: tabular-nums;
  }

  input[type='range'] {
    min-width: 0;
    margin: 0;
    accent-color: var(--lc-accent);
    cursor: pointer;
  }

  :is(button, input, select, canvas):focus-visible {
    outline: 2px solid var(--lc-accent);
    outline-offset: 2px;
  }

  .muted {
    color: var(--lc-text-muted, #9aa6b5);
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
