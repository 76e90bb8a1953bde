// The open poll with its live shares, then its result and what it applied to
// the run, top right above the reconstructions. Between polls the panel is
// left out, so it is safe to keep in the overlay for the whole stream.

import { html } from 'lit';

import '../../polls/lc-poll-overlay';
import { hasPollNews, RESULT_HOLD_SECONDS } from '../../polls/poll-state';
import { definePanel } from '../panel';

export default definePanel({
  name: 'polls',
  title: 'Poll',
  description: `The open poll with its live results and countdown, then the result and what it changed in the run for ${RESULT_HOLD_SECONDS} s. Hidden between polls.`,
  topics: ['polls'],
  region: 'top-right',
  width: 26,
  order: 25,
  shownByDefault: false,
  isEmpty: ({ store }) => !hasPollNews(store.polls, Date.now()),
  render: ({ store }) => html`<lc-poll-overlay .polls=${store.polls}></lc-poll-overlay>`,
});
