import { css, html, LitElement, nothing } from 'lit';

import { SETTING_NAMES } from '../../../shared/polls';
import type { OpenPoll, PollResult } from '../../../shared/polls';
import { renderShareBar, shareBarStyles } from './poll-bars';
import { EMPTY_POLLS, formatVotes, hasPollNews, RESULT_HOLD_SECONDS, sharePercent, totalVotes } from './poll-state';
import type { PollsView } from './poll-state';
import { applicationSentence, countdownText, outcomeSentence, secondsLeft } from './poll-text';

/**
 * Content of the overlay's `polls` panel for OBS: the open poll's question,
 * options with live shares and the countdown, then the result and what it
 * applied to the run for `resultSeconds` after its latest news. It has no
 * controls. Between polls it renders nothing, so the stream stays clear.
 */
export class LcPollOverlay extends LitElement {
  static override properties = {
    polls: { attribute: false },
    resultSeconds: { type: Number, attribute: 'result-seconds' },
    now: { state: true },
  };

  static override styles = [
    shareBarStyles,
    css`
      :host {
        display: block;
        color: var(--lc-text, #e8edf4);
      }

      section {
        display: grid;
        gap: 0.5em;
      }

      .question {
        margin: 0;
        font-size: 1.2em;
        font-weight: 700;
        overflow-wrap: anywhere;
      }

      .meta {
        margin: 0;
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.8em;
      }

      ul {
        display: grid;
        gap: 0.4em;
        margin: 0;
        padding: 0;
        list-style: none;
      }

      li {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.15em 0.6em;
      }

      li meter {
        grid-column: 1 / -1;
      }

      .share {
        font-variant-numeric: tabular-nums;
      }

      .applied {
        margin: 0;
        font-size: 0.85em;
      }
    `,
  ];

  /** The open poll and the last result, from a LiveStore subscribed to `polls`. */
  declare polls: PollsView;
  /** Seconds a result stays visible after its latest news, 0 or more; 60 by default. */
  declare resultSeconds: number;
  /** Page clock in milliseconds, advanced every second, for the countdown and for hiding an old result. */
  declare protected now: number;

  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.polls = EMPTY_POLLS;
    this.resultSeconds = RESULT_HOLD_SECONDS;
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.ticker = setInterval(() => (this.now = Date.now()), 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  protected override render() {
    const { open, last } = this.polls;
    if (!hasPollNews(this.polls, this.now, this.resultSeconds)) return nothing;
    if (open) return this.renderOpen(open);
    return last ? this.renderResult(last) : nothing;
  }

  protected renderOpen(open: OpenPoll) {
    const total = totalVotes(open.tallies);
    const leader = Math.max(...open.tallies);
    const seconds = secondsLeft(open, this.now, this.polls.clockOffsetMs);
    return html`
      <section data-testid="overlay-poll" aria-label="Poll">
        <p class="question">${open.question}</p>
        <ul>
          ${open.options.map((option, index) => {
            const votes = open.tallies[index] ?? 0;
            const percent = sharePercent(votes, total);
            return html`<li><span>${option.label}</span><span class="share">${percent}%</span>${renderShareBar(percent, votes > 0 && votes === leader)}</li>`;
          })}
        </ul>
        <p class="meta">
          ${countdownText(seconds)} · ${formatVotes(total)}${open.setting ? ` · the winner sets the ${SETTING_NAMES[open.setting]}` : ''} · vote on the viewer page
        </p>
      </section>
    `;
  }

  protected renderResult(result: PollResult) {
    const total = totalVotes(result.tallies);
    const application = applicationSentence(result);
    return html`
      <section data-testid="overlay-poll-result" aria-label="Poll result">
        <p class="question">${result.question}</p>
        <ul>
          ${result.options.map((option, index) => {
            const percent = sharePercent(result.tallies[index] ?? 0, total);
            return html`<li><span>${option.label}</span><span class="share">${percent}%</span>${renderShareBar(percent, result.winner === index)}</li>`;
          })}
        </ul>
        <p class="meta">${outcomeSentence(result)}</p>
        ${application ? html`<p class="applied">${application}</p>` : nothing}
      </section>
    `;
  }
}

customElements.define('lc-poll-overlay', LcPollOverlay);

declare global {
  interface HTMLElementTagNameMap {
    'lc-poll-overlay': LcPollOverlay;
  }
}
