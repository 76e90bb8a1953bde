import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium } from '../helpers/browser';
import { SMALL_RUN, startTestHost, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';
import { testIdText, waitForTestIdText } from '../helpers/page-text';
import { closePoll, openPoll } from '../helpers/polls';
import { RecordingRunControl } from '../helpers/recording-run-control';

const HIGH_LIMITS = ['--vote-limit', '1000/1', '--vote-limit-per-ip', '100000/1'];

let host: TestHost;
let control: RecordingRunControl;
let browser: Browser;
let contexts: BrowserContext[] = [];
let alice: Page;
let bob: Page;

beforeAll(async () => {
  host = await startTestHost([...SMALL_RUN, ...HIGH_LIMITS]);
  control = new RecordingRunControl(host.history.config);
  host.polls.attachRunControl(control);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished');
  browser = await launchChromium();
  alice = await newViewerPage();
  bob = await newViewerPage();
});

afterEach(() => {
  const open = host.polls.hostState().open;
  if (open) host.polls.closeEarly(open.id, false);
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await host?.dispose();
});

/** Opens a page in a new browser context, which has its own viewer cookie. */
async function newViewerPage(path = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(new URL(path, host.url).href);
  return page;
}

const PLAIN = { question: 'Which shape should the decoder draw next?', options: ['circle', 'star', 'spiral'], durationSeconds: 600 };

describe('polls in the viewer page', () => {
  it('shows a poll the host opens', async () => {
    const poll = await openPoll(host, PLAIN);

    for (const page of [alice, bob]) {
      await waitForTestIdText(page, 'poll-question', /Which shape should the decoder draw next\?/);
      expect(await page.getByTestId('poll').getAttribute('data-poll-id')).toBe(String(poll.id));
      expect(await testIdText(page, 'poll-countdown')).toMatch(/^Closes in \d+:\d\d$/);
      expect(await page.getByTestId('poll-option').count()).toBe(3);
      expect(await page.getByTestId('viewer-poll').getByRole('radio').count()).toBe(3);
    }
  });

  it('carries votes between two viewers live', async () => {
    const poll = await openPoll(host, PLAIN);
    await waitForTestIdText(alice, 'poll-question', /Which shape/);
    await waitForTestIdText(bob, 'poll-question', /Which shape/);

    await alice.getByTestId('poll-option').nth(2).click();
    await alice.getByTestId('poll-vote').click();
    await waitForTestIdText(alice, 'poll-your-vote', /^Your vote: spiral$/);
    await waitForTestIdText(bob, 'poll-count', /^1 vote, 100%$/, 2);
    const bobMessage = await testIdText(bob, 'poll-message');

    // Bob votes with the keyboard only: the arrow key chooses, Enter votes.
    await bob.getByTestId('viewer-poll').getByRole('radio').first().focus();
    await bob.keyboard.press('ArrowDown');
    await bob.keyboard.press('Enter');

    await waitForTestIdText(bob, 'poll-your-vote', /^Your vote: star$/);
    await waitForTestIdText(alice, 'poll-count', /^1 vote, 50%$/, 1);
    expect(await testIdText(alice, 'poll-count', 2)).toBe('1 vote, 50%');
    expect(await testIdText(bob, 'poll-message')).toBe('Your vote for "star" is counted.');
    // The tally change on Bob's page left the announcement of the new poll in place.
    expect(bobMessage).toMatch(/^New poll: Which shape should the decoder draw next\? Closes in \d+:\d\d\.$/);
    expect(host.polls.store.tallies(poll.id, 3)).toEqual([0, 1, 1]);
  });

  it('changes a vote and keeps it after a reload', async () => {
    const poll = await openPoll(host, PLAIN);
    await waitForTestIdText(alice, 'poll-question', /Which shape/);
    await alice.getByTestId('poll-option').nth(0).click();
    await alice.getByTestId('poll-vote').click();
    await waitForTestIdText(alice, 'poll-your-vote', /^Your vote: circle$/);

    await alice.getByTestId('poll-option').nth(1).click();
    expect(await alice.getByTestId('poll-vote').textContent()).toMatch(/Change vote/);
    await alice.getByTestId('poll-vote').click();

    await waitForTestIdText(alice, 'poll-your-vote', /^Your vote: star$/);
    expect(await testIdText(alice, 'poll-message')).toBe('Your vote is now "star".');
    await waitForTestIdText(bob, 'poll-count', /^1 vote, 100%$/, 1);
    expect(await testIdText(bob, 'poll-count', 0)).toBe('0 votes, 0%');

    await alice.reload();
    await waitForTestIdText(alice, 'poll-your-vote', /^Your vote: star$/);
    expect(await alice.getByTestId('viewer-poll').getByRole('radio').nth(1).isChecked()).toBe(true);
    expect(host.polls.store.tallies(poll.id, 3)).toEqual([0, 1, 0]);
  });

  it('announces the result with what was applied', async () => {
    const poll = await openPoll(host, { question: 'Learning rate for the next epochs?', setting: 'learningRate', options: [{ value: 0.01, label: 'fast' }, { value: 0.0001, label: 'slow' }], durationSeconds: 600 });
    await waitForTestIdText(alice, 'poll-question', /Learning rate/);
    await waitForTestIdText(bob, 'poll-question', /Learning rate/);
    await alice.getByTestId('poll-option').nth(0).click();
    await alice.getByTestId('poll-vote').click();
    await bob.getByTestId('poll-option').nth(0).click();
    await bob.getByTestId('poll-vote').click();
    await waitForTestIdText(alice, 'poll-your-vote', /^Your vote: fast$/);
    await waitForTestIdText(bob, 'poll-your-vote', /^Your vote: fast$/);
    expect(host.polls.store.tallies(poll.id, 2)).toEqual([2, 0]);

    await closePoll(host, poll.id);

    for (const page of [alice, bob]) {
      await waitForTestIdText(page, 'poll-applied', /^Applied: learning rate 0.01 applied from the next training step$/);
      expect(await testIdText(page, 'poll-outcome')).toBe('"fast" won with 2 of 2 votes.');
      expect(await page.getByTestId('poll-result').getAttribute('data-poll-id')).toBe(String(poll.id));
      expect(await testIdText(page, 'poll-message')).toBe('Poll closed. "fast" won with 2 of 2 votes. Applied: learning rate 0.01 applied from the next training step');
    }
    expect(control.calls.at(-1)).toMatchObject({ kind: 'update', settings: { learningRate: 0.01 } });
  });
});

describe('polls on the host page', () => {
  it('opens and closes a poll from the form', async () => {
    const panel = await newViewerPage(`/host#token=${host.hostToken.value}`);
    await panel.getByTestId('poll-admin-question').fill('How big should the latent be?');
    await panel.getByTestId('poll-admin-duration').fill('120');
    await panel.getByTestId('poll-admin-setting').selectOption('latent');
    await panel.getByTestId('poll-admin-value').nth(0).fill('4');
    await panel.getByTestId('poll-admin-value').nth(1).fill('16');
    await panel.getByTestId('poll-admin-label').nth(1).fill('sixteen');

    await panel.getByTestId('poll-admin-open').click();

    await waitForTestIdText(bob, 'poll-question', /How big should the latent be\?/);
    const open = host.polls.hostState().open!;
    expect(open).toMatchObject({ setting: 'latent', options: [{ label: '4', value: 4 }, { label: 'sixteen', value: 16 }] });
    expect(open.endsAt - open.openedAt).toBe(120_000);
    await bob.getByTestId('poll-option').nth(1).click();
    await bob.getByTestId('poll-vote').click();
    await waitFor('the vote on the host page', async () => /sixteen: 1 vote, 100%/.test((await panel.getByTestId('poll-admin-open-poll').textContent()) ?? ''));

    await panel.getByTestId('poll-admin-close').click();

    await waitForTestIdText(bob, 'poll-applied', /^Applied: a new run started with latent size 16$/);
    await waitForTestIdText(panel, 'poll-admin-recent', /How big should the latent be\?/);
    expect(control.calls.at(-1)).toMatchObject({ kind: 'restart', changes: { latent: 16 } });
  });

  it('shows the host error for a bad value', async () => {
    const panel = await newViewerPage(`/host#token=${host.hostToken.value}`);
    await panel.getByTestId('poll-admin-question').fill('Noise?');
    await panel.getByTestId('poll-admin-setting').selectOption('denoise');
    await panel.getByTestId('poll-admin-value').nth(0).fill('0.2');
    await panel.getByTestId('poll-admin-value').nth(1).fill('3');

    await panel.getByTestId('poll-admin-open').click();

    await waitForTestIdText(panel, 'poll-admin-message', /options\[1\]\.value is 3; a denoising noise is a number from 0 \(no noise\) to 1/);
    expect(host.polls.hostState().open).toBeNull();
  });
});
