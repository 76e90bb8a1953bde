import { css, html, LitElement, nothing } from 'lit';

import {
  MAX_OPTION_LABEL_LENGTH,
  MAX_POLL_OPTIONS,
  MAX_POLL_SECONDS,
  MAX_QUESTION_LENGTH,
  MIN_POLL_OPTIONS,
  MIN_POLL_SECONDS,
  POLL_SETTINGS,
  SETTING_NAMES,
  SETTING_RANGES,
} from '../../../shared/polls';
import type { OpenPoll, PollResult, PollSetting } from '../../../shared/polls';
import { LiveConnection, LiveStore, socketUrl } from '../live/connection';
import { formatVotes, sharePercent, totalVotes } from '../polls/poll-state';
import { applicationSentence, closeReasonSentence, countdownText, outcomeSentence, secondsLeft } from '../polls/poll-text';
import type { HostApi } from './host-api';
import { panelStyles } from './panel-styles';

/** One option row of the form: its label and, for a bound poll, the value as typed. */
interface OptionDraft {
  label: string;
  value: string;
}

/** Duration the form starts with, in seconds. */
const DEFAULT_DURATION_SECONDS = 60;

/**
 * The streamer's poll controls on /host. A form opens a poll: question, 2 to
 * 5 options, duration, and optionally the run setting the winner changes.
 * While a poll is open, it shows the live tallies and buttons to close it
 * early or cancel it. Below are the recent results with what each applied to
 * the run. The host checks every value, and its error message is shown as it is.
 */
export class LcPollAdmin extends LitElement {
  static override properties = {
    api: { attribute: false },
    question: { state: true },
    durationSeconds: { state: true },
    setting: { state: true },
    options: { state: true },
    recent: { state: true },
    message: { state: true },
    now: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      form,
      .open,
      .recent {
        display: grid;
        gap: 0.6rem;
        max-width: 44rem;
        margin-bottom: 1.25rem;
      }

      label,
      .field {
        display: grid;
        gap: 0.2rem;
      }

      .hint {
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.85rem;
      }

      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        align-items: end;
      }

      .row label,
      .row .field {
        flex: 1 1 10rem;
      }

      fieldset {
        display: grid;
        gap: 0.5rem;
        margin: 0;
        padding: 0.6rem;
        border: 1px solid var(--lc-border, #2c3441);
        border-radius: 0.4rem;
      }

      ol {
        margin: 0;
        padding-left: 1.4rem;
      }

      .message {
        min-height: 1.4em;
      }
    `,
  ];

  /** Client of the host API, with the token; null until the panel has one. */
  declare api: HostApi | null;
  /** Question being written. */
  declare protected question: string;
  /** Duration being written, in seconds, 15 to 1800. */
  declare protected durationSeconds: number;
  /** Setting the poll changes when it closes, or '' for none. */
  declare protected setting: PollSetting | '';
  /** Option rows, 2 to 5. */
  declare protected options: OptionDraft[];
  /** Recently closed polls, newest first, with setting values as stored. */
  declare protected recent: PollResult[];
  /** Result of the latest action, or the host's error. */
  declare protected message: string;
  /** Page clock in milliseconds, advanced every second, for the countdown. */
  declare protected now: number;

  private readonly store = new LiveStore();
  private connection: LiveConnection | null = null;
  private unsubscribe: (() => void) | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** Id and application status of the last result seen live, so the recent results reload once per change. */
  private lastResultKey = '';

  constructor() {
    super();
    this.api = null;
    this.question = '';
    this.durationSeconds = DEFAULT_DURATION_SECONDS;
    this.setting = '';
    this.options = [
      { label: '', value: '' },
      { label: '', value: '' },
    ];
    this.recent = [];
    this.message = '';
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.store.subscribe(() => this.onStoreChange());
    this.connection = new LiveConnection(this.store, socketUrl(['polls']));
    this.connection.start();
    this.ticker = setInterval(() => (this.now = Date.now()), 1000);
    void this.loadRecent();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.stop();
    this.connection = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('api') && this.api) void this.loadRecent();
  }

  protected override render() {
    const open = this.store.polls.open;
    return html`
      <h2>Polls</h2>
      ${open ? this.renderOpen(open) : this.renderForm()}
      <p class="message" role="status" data-testid="poll-admin-message">${this.message}</p>
      ${this.renderRecent()}
    `;
  }

  protected renderForm() {
    const bound = this.setting !== '';
    return html`
      <form data-testid="poll-admin-form" @submit=${this.onOpen}>
        <label>
          Poll question
          <input data-testid="poll-admin-question" maxlength=${MAX_QUESTION_LENGTH} required .value=${this.question} @input=${(event: Event) => (this.question = inputValue(event))} />
        </label>
        <div class="row">
          <div class="field">
            <label for="poll-duration">Poll duration in seconds</label>
            <input
              id="poll-duration"
              data-testid="poll-admin-duration"
              type="number"
              min=${MIN_POLL_SECONDS}
              max=${MAX_POLL_SECONDS}
              step="1"
              required
              aria-describedby="poll-duration-hint"
              .value=${String(this.durationSeconds)}
              @input=${(event: Event) => (this.durationSeconds = Number(inputValue(event)))}
            />
            <span class="hint" id="poll-duration-hint">${MIN_POLL_SECONDS} s to ${MAX_POLL_SECONDS / 60} min</span>
          </div>
          <div class="field">
            <!-- The label is outside the select, so the options' text is not part of its name. -->
            <label for="poll-setting">When the poll closes, the winner sets</label>
            <select id="poll-setting" data-testid="poll-admin-setting" aria-describedby="poll-setting-hint" @change=${(event: Event) => (this.setting = inputValue(event) as PollSetting | '')}>
              <option value="" ?selected=${!bound}>nothing (a plain poll)</option>
              ${POLL_SETTINGS.map((setting) => html`<option value=${setting} ?selected=${this.setting === setting}>the ${SETTING_NAMES[setting]}</option>`)}
            </select>
            <span class="hint" id="poll-setting-hint">${bound ? `Each value: ${SETTING_RANGES[this.setting as PollSetting]}.` : ''}</span>
          </div>
        </div>
        <fieldset>
          <legend>Options (${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS})</legend>
          ${this.options.map((option, index) => this.renderOptionRow(option, index, bound))}
          <div>
            <button type="button" data-testid="poll-admin-add" ?disabled=${this.options.length >= MAX_POLL_OPTIONS} @click=${this.addOption}>Add option</button>
          </div>
        </fieldset>
        <div><button type="submit" data-testid="poll-admin-open">Open poll</button></div>
      </form>
    `;
  }

  protected renderOptionRow(option: OptionDraft, index: number, bound: boolean) {
    const number = index + 1;
    return html`
      <div class="row" data-testid="poll-admin-option">
        ${bound
          ? html`<label>
              Option ${number} value
              <input data-testid="poll-admin-value" required .value=${option.value} @input=${(event: Event) => this.editOption(index, { value: inputValue(event) })} />
            </label>`
          : nothing}
        <label>
          Option ${number} label${bound ? ' (optional, defaults to the value)' : ''}
          <input
            data-testid="poll-admin-label"
            maxlength=${MAX_OPTION_LABEL_LENGTH}
            ?required=${!bound}
            .value=${option.label}
            @input=${(event: Event) => this.editOption(index, { label: inputValue(event) })}
          />
        </label>
        <button type="button" aria-label="Remove option ${number}" ?disabled=${this.options.length <= MIN_POLL_OPTIONS} @click=${() => this.removeOption(index)}>
          Remove
        </button>
      </div>
    `;
  }

  protected renderOpen(open: OpenPoll) {
    const total = totalVotes(open.tallies);
    const seconds = secondsLeft(open, this.now, this.store.polls.clockOffsetMs);
    return html`
      <section class="open" data-testid="poll-admin-open-poll" aria-label="Open poll">
        <strong>${open.question}</strong>
        <span>${countdownText(seconds)} · ${formatVotes(total)}${open.setting ? ` · the winner sets the ${SETTING_NAMES[open.setting]}` : ''}</span>
        <ol>
          ${open.options.map((option, index) => html`<li>${option.label}: ${formatVotes(open.tallies[index])}, ${sharePercent(open.tallies[index], total)}%</li>`)}
        </ol>
        <div class="row">
          <button data-testid="poll-admin-close" @click=${() => this.close(open, true)}>${open.setting ? 'Close now and apply the winner' : 'Close now'}</button>
          ${open.setting ? html`<button data-testid="poll-admin-cancel" @click=${() => this.close(open, false)}>Cancel without applying</button>` : nothing}
        </div>
      </section>
    `;
  }

  protected renderRecent() {
    if (this.recent.length === 0) return nothing;
    return html`
      <section class="recent" aria-labelledby="recent-heading">
        <h3 id="recent-heading">Recent results</h3>
        <ol data-testid="poll-admin-recent">
          ${this.recent.map(
            (result) => html`<li>
              <strong>${result.question}</strong> ${outcomeSentence(result)} ${closeReasonSentence(result.closeReason)}
              ${result.application ? html`<br />${applicationSentence(result)}` : nothing}
            </li>`,
          )}
        </ol>
      </section>
    `;
  }

  private onStoreChange(): void {
    // A new result means a poll closed or its winner was applied, and the host's listing then has it.
    const last = this.store.polls.last;
    const key = last ? `${last.id}:${last.application?.status ?? ''}` : '';
    if (key !== this.lastResultKey) {
      this.lastResultKey = key;
      void this.loadRecent();
    }
    this.requestUpdate();
  }

  private addOption(): void {
    if (this.options.length < MAX_POLL_OPTIONS) this.options = [...this.options, { label: '', value: '' }];
  }

  private removeOption(index: number): void {
    if (this.options.length > MIN_POLL_OPTIONS) this.options = this.options.filter((_, each) => each !== index);
  }

  private editOption(index: number, change: Partial<OptionDraft>): void {
    this.options = this.options.map((option, each) => (each === index ? { ...option, ...change } : option));
  }

  private async onOpen(event: Event): Promise<void> {
    event.preventDefault();
    const body = { question: this.question, durationSeconds: this.durationSeconds, ...this.optionsBody() };
    const poll = await this.call<OpenPoll>('POST', '/api/host/polls', body);
    if (!poll) return;
    this.message = `Poll ${poll.id} is open until ${new Date(poll.endsAt).toLocaleTimeString()}.`;
    this.question = '';
  }

  /** Returns the options and setting of the request. Numeric values are sent as numbers when they parse, so that the host's message names what was typed otherwise. */
  private optionsBody(): { options: unknown[]; setting?: PollSetting } {
    if (this.setting === '') return { options: this.options.map((option) => option.label) };

    const setting = this.setting;
    const options = this.options.map((option) => {
      const text = option.value.trim();
      const value = setting !== 'dataset' && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
      return option.label.trim() === '' ? { value } : { value, label: option.label };
    });
    return { options, setting };
  }

  private async close(open: OpenPoll, apply: boolean): Promise<void> {
    const result = await this.call<PollResult>('POST', `/api/host/polls/${open.id}/close`, { apply });
    if (!result) return;
    this.message = `Poll ${result.id} closed. ${outcomeSentence(result)} ${applicationSentence(result)}`.trim();
    await this.loadRecent();
  }

  private async loadRecent(): Promise<void> {
    const listing = await this.call<{ recent: PollResult[] }>('GET', '/api/host/polls');
    if (listing) this.recent = listing.recent;
  }

  /** Sends a host API request and returns its body; shows the host's error and returns null when it fails. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T | null> {
    if (!this.api) return null;
    const result = await this.api.call<T>(method, path, body);
    if (result.ok) return result.body;
    this.message = result.error ?? `${method} ${path} failed`;
    return null;
  }
}

function inputValue(event: Event): string {
  return (event.target as HTMLInputElement | HTMLSelectElement).value;
}

customElements.define('lc-poll-admin', LcPollAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'lc-poll-admin': LcPollAdmin;
  }
}
