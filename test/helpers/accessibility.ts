// Keyboard and screen reader checks for the pages: what Tab reaches, whether
// focus shows, and which controls have no accessible name.

import type { Page } from 'playwright-core';

/** The element that has focus after one press of Tab. */
export interface FocusStop {
  /** Its data-testid, or its tag name where it has none. */
  id: string;
  /** Whether a focus ring shows: an outline or a box shadow. */
  ringVisible: boolean;
}

/** Roles of controls that a screen reader user operates, which need a name. */
const CONTROL_ROLES = ['button', 'checkbox', 'combobox', 'radio', 'slider', 'spinbutton', 'tab', 'textbox', 'link'];

/** Presses Tab up to `limit` times from the top of the page and returns each element that took focus, through shadow roots. */
export async function tabThrough(page: Page, limit: number): Promise<FocusStop[]> {
  // Focusing the body moves the start of sequential focus navigation to the top of the page.
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute('tabindex');
  });
  const stops: FocusStop[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      let element = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const ringVisible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return { id: (element as HTMLElement).dataset.testid ?? element.tagName.toLowerCase(), ringVisible };
    });
    // Focus leaves the page after the last control, which ends the round.
    if (stop === null) break;
    stops.push(stop);
  }
  return stops;
}

/** Returns the lines of an aria snapshot that are controls without a name, such as `- button` or `- slider: "0.5"`. */
export function unnamedControls(snapshot: string): string[] {
  const unnamed = new RegExp(`^\\s*- (${CONTROL_ROLES.join('|')})( \\[[^\\]]*\\])*(:.*)?$`);
  return snapshot.split('\n').filter((line) => unnamed.test(line));
}
