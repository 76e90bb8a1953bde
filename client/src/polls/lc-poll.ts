import { html, LitElement, nothing } from 'lit';
import type { PropertyValues } from 'lit';

import { SETTING_NAMES } from '../../../shared/polls';
import type { OpenPoll, PollOption, PollResult, PollVote } from '../../../shared/polls';
import { renderShareBar, shareBarStyles } from './poll-bars';
import { pollStyles } from './poll-styles';
import { EMPTY_POLLS, formatVotes, sharePercent, totalVotes } from './poll-state';
import type { PollsView } from './poll-state';
import { applicationSentence, closeReasonSentence, countdownText, outcomeSentence, secondsLeft } from './poll-text';
import { castVote, fetchViewerState } from './polls-api';

/** Age below which an opened poll or a result is news to announce, in milliseconds of host time. */
const RECENT_MS = 15_000;

/** Wait between the first render and the first announcement, in milliseconds. */
const FIRST_ANNOUNCEMENT_DELAY_MS = 250;

/**
 * The viewer's poll: the question, its options as a radio group with live
 * tallies, a countdown, this viewer's vote, and after closing the result with
 * what was applied to the run. The arrow keys choose an option, and Enter or
 * the Vote button casts it. A vote can be changed until the poll closes.
 * The status line announces a new poll, a counted vote and a result to screen
 * readers, but never a tally change, so it does not interrupt them.
 */
export class LcPoll extends LitElement {
  static override properties = {
    polls: { attribute: false },
    selected: { state: true },
    yourVote: { state: true },
    message: { state: true },
    now: { state: true },
    sending: { state: true },
  };

  static override styles = [shareBarStyles, pollStyles];

  /** The open poll and the last result from the page's store, kept live by the polls topic. */
  declare polls: PollsView;
  /** Option chosen in the radio group and not necessarily voted for yet, or null. */
  declare protected selected: number | null;
  /** This viewer's counted vote in the open poll, or null. */
  declare protected yourVote: PollVote | null;
  /** Latest announcement for screen readers: a new poll, a counted vote, a result, or an error. */
  declare protected message: string;
  /** Page clock in milliseconds, advanced every second while a poll is open, for the countdown. */
  declare protected now: number;
  /** Whether a vote request is in flight. */
  declare protected sending: boolean;

  private ticker: ReturnType<typeof setInterval> | null = null;
  /** Id of the open poll that the announcement and own-vote lookup last handled. */
  private handledPollId: number | null = null;
  /** Id and application status of the result last announced. */
  private handledResult = '';

  constructor() {
    super();
    this.polls = EMPTY_POLLS;
    this.selected = null;
    this.yourVote = null;
    this.message = '';
    this.now = Date.now();
    this.sending = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTicker();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('polls')) return;

    this.followOpenPoll(this.polls.open);
    this.followResult(this.polls.last);

    const ownVote = this.polls.ownVote;
    if (ownVote && ownVote.pollId === this.polls.open?.id) this.yourVote = ownVote;
  }

  protected override render() {
    const { open, last } = this.polls;
    let body;
    if (open) body = this.renderOpen(open);
    else if (last) body = this.renderResult(last);
    else body = html`<p class="empty">No poll yet. When the streamer opens one, it appears here.</p>`;

    return html`
      ${body}
      <p class="message" role="status" data-testid="poll-message">${this.message}</p>
    `;
  }

  protected renderOpen(open: OpenPoll) {
    const total = totalVotes(open.tallies);
    const seconds = secondsLeft(open, this.now, this.polls.clockOffsetMs);
    const closed = seconds <= 0;
    const unchanged = this.selected !== null && this.selected === this.yourVote?.option;
    return html`
      <form data-testid="poll" data-poll-id=${open.id} @submit=${this.onSubmit}>
        <fieldset ?disabled=${closed}>
          <legend class="question" data-testid="poll-question">${open.question}</legend>
          <p class="meta">
            <span data-testid="poll-countdown">${countdownText(seconds)}</span> · <span data-testid="poll-total">${formatVotes(total)}</span>
            ${open.setting ? html` · the winner sets the ${SETTING_NAMES[open.setting]}` : nothing}
          </p>
          <div class="options" @keydown=${this.onOptionKey}>${open.options.map((option, index) => this.renderOption(open, option, index, total))}</div>
          <div class="actions">
            <button type="submit" data-testid="poll-vote" ?disabled=${this.selected === null || this.sending || unchanged}>
              ${this.yourVote ? 'Change vote' : 'Vote'}
            </button>
            <span data-testid="poll-your-vote">${this.yourVote ? `Your vote: ${open.options[this.yourVote.option]?.label ?? ''}` : 'You have not voted yet.'}</span>
          </div>
        </fieldset>
      </form>
    `;
  }

  protected renderOption(open: OpenPoll, option: PollOption, index: number, total: number) {
    const votes = open.tallies[index] ?? 0;
    const percent = sharePercent(votes, total);
    const leading = votes > 0 && votes === Math.max(...open.tallies);
    return html`
      <label class="option" data-testid="poll-option">
        <input type="radio" name="poll-${open.id}" .value=${String(index)} .checked=${this.selected === index} @change=${() => (this.selected = index)} />
        <span class="label">
          ${option.label}${this.yourVote?.option === index ? html` <span class="yours">(your vote)</span>` : nothing}
        </span>
        <span class="count" data-testid="poll-count">${formatVotes(votes)}, ${percent}%</span>
        ${renderShareBar(percent, leading)}
      </label>
    `;
  }

  protected renderResult(result: PollResult) {
    const total = totalVotes(result.tallies);
    return html`
      <div data-testid="poll-result" data-poll-id=${result.id}>
        <p class="question">${result.question}</p>
        <p class="meta">${closeReasonSentence(result.closeReason)} <span data-testid="poll-outcome">${outcomeSentence(result)}</span></p>
        <ul class="options">
          ${result.options.map((option, index) => this.renderResultOption(result, option, index, total))}
        </ul>
        ${result.application
          ? html`<p class="applied" data-testid="poll-applied" data-status=${result.application.status}>${applicationSentence(result)}</p>`
          : nothing}
      </div>
    `;
  }

  protected renderResultOption(result: PollResult, option: PollOption, index: number, total: number) {
    const votes = result.tallies[index] ?? 0;
    const percent = sharePercent(votes, total);
    const won = result.winner === index;
    return html`
      <li class="result-option">
        <span class="label">${option.label}${won ? html` <span class="winner">(winner)</span>` : nothing}</span>
        <span class="count">${formatVotes(votes)}, ${percent}%</span>
        ${renderShareBar(percent, won)}
      </li>
    `;
  }

  /** Handles a newly opened poll: resets the choice, looks up this viewer's vote, runs the countdown and announces a poll opened moments ago. */
  private followOpenPoll(open: OpenPoll | null): void {
    if (!open) {
      this.handledPollId = null;
      this.stopTicker();
      return;
    }
    if (open.id === this.handledPollId) return;

    this.handledPollId = open.id;
    this.selected = null;
    this.yourVote = null;
    this.startTicker();
    void this.loadOwnVote(open.id);
    if (this.isRecent(open.openedAt)) this.announce(`New poll: ${open.question} ${countdownText(secondsLeft(open, Date.now(), this.polls.clockOffsetMs))}.`);
  }

  /**
   * Announces a result that closed moments ago, and announces again when
   * what it applied to the run changes. A result older than that was there
   * before the page loaded, so it is shown without an announcement.
   */
  private followResult(result: PollResult | null): void {
    if (!result) return;
    const key = `${result.id}:${result.application?.status ?? ''}`;
    if (key === this.handledResult) return;

    // A restart reports back seconds after the close; the full sentence keeps that announcement understandable on its own.
    const seenBefore = this.handledResult.startsWith(`${result.id}:`);
    this.handledResult = key;
    if (seenBefore || this.isRecent(result.closedAt)) this.announce(`Poll closed. ${outcomeSentence(result)} ${applicationSentence(result)}`.trim());
  }

  /** Returns whether host time `time` lies less than RECENT_MS in the past. */
  private isRecent(time: number): boolean {
    return Date.now() + this.polls.clockOffsetMs - time < RECENT_MS;
  }

  /**
   * Puts `text` into the status line. Before the first render the line does
   * not exist yet, and screen readers skip text that a live region already
   * contains when it appears, so the text follows a moment after it.
   */
  private announce(text: string): void {
    if (this.hasUpdated) {
      this.message = text;
      return;
    }
    void this.updateComplete.then(() => setTimeout(() => (this.message = text), FIRST_ANNOUNCEMENT_DELAY_MS));
  }

  private async loadOwnVote(pollId: number): Promise<void> {
    try {
      const state = await fetchViewerState();
      if (state.open?.id !== pollId || state.yourVote === null || this.handledPollId !== pollId) return;
      this.yourVote = { pollId, option: state.yourVote };
      this.selected ??= state.yourVote;
    } catch (error) {
      console.warn('latentcast: failed to load your poll vote', error);
    }
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    void this.submitVote();
  }

  /** Casts the chosen option on Enter, as the Vote button does; the arrow keys already move the choice. */
  private onOptionKey(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    void this.submitVote();
  }

  private async submitVote(): Promise<void> {
    const open = this.polls.open;
    const option = this.selected;
    if (!open || option === null || this.sending || option === this.yourVote?.option) return;

    this.sending = true;
    try {
      const receipt = await castVote(open.id, option);
      // The poll may have closed while the response travelled, and then its result announcement is kept.
      if (this.polls.open?.id !== open.id) return;
      this.yourVote = { pollId: receipt.pollId, option: receipt.option };
      const label = open.options[option].label;
      this.message = receipt.previous === null ? `Your vote for "${label}" is counted.` : `Your vote is now "${label}".`;
    } catch (error) {
      this.message = (error as Error).message;
    } finally {
      this.sending = false;
    }
  }

  private startTicker(): void {
    this.now = Date.now();
    if (this.ticker !== null) return;
    this.ticker = setInterval(() => (this.now = Date.now()), 1000);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}

customElements.define('lc-poll', LcPoll);

declare global {
  interface HTMLElementTagNameMap {
    'lc-poll': LcPoll;
  }
}
