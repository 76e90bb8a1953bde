// The bar under each option that shows its share of the votes, shared by
// the viewer's poll and the overlay panel. It is a <meter>, so the page needs
// no inline style attribute, which a strict Content-Security-Policy blocks.

import { css, html } from 'lit';

/** Styles of `renderShareBar`; a component adds them to its own. */
export const shareBarStyles = css`
  meter {
    display: block;
    width: 100%;
    height: 0.45em;
    border: none;
    border-radius: 999px;
    background: var(--lc-surface-raised, #232a35);
    appearance: none;
  }

  meter::-webkit-meter-bar {
    height: 0.45em;
    border: none;
    border-radius: 999px;
    background: var(--lc-surface-raised, #232a35);
  }

  meter::-webkit-meter-optimum-value {
    border-radius: 999px;
    background: var(--lc-poll-bar, #58c4ff);
    transition: inline-size 0.4s ease-out;
  }

  meter.leading::-webkit-meter-optimum-value {
    background: var(--lc-state-training, #3fdc7e);
  }

  meter::-moz-meter-bar {
    border-radius: 999px;
    background: var(--lc-poll-bar, #58c4ff);
  }

  meter.leading::-moz-meter-bar {
    background: var(--lc-state-training, #3fdc7e);
  }

  @media (prefers-reduced-motion: reduce) {
    meter::-webkit-meter-optimum-value {
      transition: none;
    }
  }
`;

/** Renders a bar filled to `percent` (0 to 100), hidden from screen readers because the option's text states the same share. */
export function renderShareBar(percent: number, leading: boolean) {
  return html`<meter class=${leading ? 'leading' : ''} min="0" max="100" .value=${percent} aria-hidden="true"></meter>`;
}
