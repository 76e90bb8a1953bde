// Reading the text of elements by their data-testid in a Chromium page.

import type { Page } from 'playwright-core';

import { waitFor } from './host';

/** Returns the trimmed text of the `index`-th element with `testId`, or '' when it has none. */
export async function testIdText(page: Page, testId: string, index = 0): Promise<string> {
  const text = await page.getByTestId(testId).nth(index).textContent();
  return text?.trim() ?? '';
}

/** Waits until the text of the `index`-th element with `testId` matches `pattern`. */
export async function waitForTestIdText(page: Page, testId: string, pattern: RegExp, index = 0): Promise<void> {
  await waitFor(`${testId} to match ${pattern}`, async () => pattern.test(await testIdText(page, testId, index)));
}
