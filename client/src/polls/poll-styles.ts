// Styles of the viewer's poll (lc-poll), kept apart from its rendering.

import { css } from 'lit';

export const pollStyles = css`
  :host {
    display: block;
    color: var(--lc-text, #e8edf4);
  }

  fieldset {
    margin: 0;
    padding: 0;
    border: none;
    min-width: 0;
  }

  .question {
    margin: 0 0 0.25rem;
    padding: 0;
    font-size: 1.15rem;
    font-weight: 700;
    overflow-wrap: anywhere;
  }

  .meta {
    margin: 0 0 0.75rem;
    color: var(--lc-text-muted, #9aa6b5);
    font-size: 0.9rem;
  }

  /* One row of options on a wide page, so an open poll pushes the charts down as little as possible. */
  .options {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr));
    gap: 0.5rem;
    margin: 0 0 0.75rem;
    padding: 0;
    list-style: none;
  }

  .option {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto;
    align-items: center;
    gap: 0.25rem 0.6rem;
    padding: 0.45rem 0.6rem;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.5rem;
    cursor: pointer;
  }

  .option:has(input:checked) {
    border-color: var(--lc-focus, #58c4ff);
  }

  .option:has(input:focus-visible) {
    outline: 2px solid var(--lc-focus, #58c4ff);
    outline-offset: 2px;
  }

  .option meter,
  .result-option meter {
    grid-column: 1 / -1;
  }

  input[type='radio'] {
    margin: 0;
    accent-color: var(--lc-focus, #58c4ff);
  }

  .label {
    overflow-wrap: anywhere;
  }

  .count {
    color: var(--lc-text-muted, #9aa6b5);
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }

  .yours,
  .winner {
    color: var(--lc-state-training, #3fdc7e);
    font-size: 0.85rem;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
  }

  button {
    font: inherit;
    color: inherit;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.4rem;
    background: var(--lc-surface-raised, #232a35);
    padding: 0.3rem 0.9rem;
    cursor: pointer;
  }

  button:disabled {
    cursor: default;
    opacity: 0.55;
  }

  button:focus-visible {
    outline: 2px solid var(--lc-focus, #58c4ff);
    outline-offset: 2px;
  }

  .result-option {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 0.25rem 0.6rem;
    padding: 0.45rem 0.6rem;
    border: 1px solid var(--lc-border, #2c3441);
    border-radius: 0.5rem;
  }

  .applied {
    margin: 0;
    padding: 0.45rem 0.6rem;
    border-left: 3px solid var(--lc-border, #2c3441);
  }

  .applied[data-status='applied'] {
    border-color: var(--lc-state-training, #3fdc7e);
  }

  .applied[data-status='failed'] {
    border-color: var(--lc-state-diverged, #ff6b6b);
  }

  .message {
    min-height: 1.4em;
    margin: 0.5rem 0 0;
    color: var(--lc-text-muted, #9aa6b5);
    font-size: 0.9rem;
  }

  .empty {
    margin: 0;
    color: var(--lc-text-muted, #9aa6b5);
  }
`;
