// The polls' SQLite database (better-sqlite3, synchronous): polls, one vote
// row per viewer and poll, and each closed poll's result. Every write commits
// before the caller responds, and WAL mode keeps a committed transaction
// through a killed process.

import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

import type { OpenPoll, PollApplication, PollCloseReason, PollOption, PollOutcome, PollRequest, PollResult, PollSetting } from '../../shared/polls';
import { openDatabase } from '../storage/sqlite';
import { POLL_MIGRATIONS } from './migrations';

/** The part of a result that is known only once a poll has closed, stored as JSON. */
export interface ClosedFields {
  tallies: number[];
  outcome: PollOutcome;
  winner: number | null;
  application: PollApplication | null;
}

interface PollRow {
  id: number;
  question: string;
  options: string;
  setting: PollSetting | null;
  opened_at: number;
  ends_at: number;
  closed_at: number | null;
  close_reason: PollCloseReason | null;
  result: string | null;
}

export class PollStore {
  private readonly statements: Record<string, Statement>;

  private constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO polls (question, options, setting, opened_at, ends_at) VALUES (@question, @options, @setting, @openedAt, @endsAt)',
      ),
      open: db.prepare('SELECT * FROM polls WHERE closed_at IS NULL'),
      poll: db.prepare('SELECT * FROM polls WHERE id = ?'),
      tallies: db.prepare('SELECT option, COUNT(*) AS votes FROM poll_votes WHERE poll_id = ? GROUP BY option'),
      previousVote: db.prepare('SELECT option FROM poll_votes WHERE poll_id = ? AND viewer_id = ?'),
      upsertVote: db.prepare(
        'INSERT INTO poll_votes (poll_id, viewer_id, option, voted_at) VALUES (?, ?, ?, ?) ON CONFLICT (poll_id, viewer_id) DO UPDATE SET option = excluded.option, voted_at = excluded.voted_at',
      ),
      close: db.prepare('UPDATE polls SET closed_at = ?, close_reason = ?, result = ? WHERE id = ? AND closed_at IS NULL'),
      setResult: db.prepare('UPDATE polls SET result = ? WHERE id = ? AND closed_at IS NOT NULL'),
      recentClosed: db.prepare('SELECT * FROM polls WHERE closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC LIMIT ?'),
      pending: db.prepare("SELECT * FROM polls WHERE closed_at IS NOT NULL AND json_extract(result, '$.application.status') = 'pending'"),
    };
  }

  /** Opens (creating if needed) and migrates the database at `path`. */
  static open(path: string): PollStore {
    return new PollStore(openDatabase(path, 'polls', POLL_MIGRATIONS));
  }

  /**
   * Stores a new open poll and returns it. Throws a SQLite constraint error
   * (code SQLITE_CONSTRAINT_UNIQUE) when another poll is open.
   */
  insert(request: PollRequest, openedAt: number): OpenPoll {
    const endsAt = openedAt + request.durationSeconds * 1000;
    const row = { question: request.question, options: JSON.stringify(request.options), setting: request.setting, openedAt, endsAt };
    const { lastInsertRowid } = this.statements.insert.run(row);
    return {
      id: Number(lastInsertRowid),
      question: request.question,
      options: request.options,
      setting: request.setting,
      openedAt,
      endsAt,
      tallies: request.options.map(() => 0),
    };
  }

  /** Returns the open poll with its tallies, or null when none is open. */
  openPoll(): OpenPoll | null {
    const row = this.statements.open.get() as PollRow | undefined;
    if (!row) return null;
    const options = JSON.parse(row.options) as PollOption[];
    return {
      id: row.id,
      question: row.question,
      options,
      setting: row.setting,
      openedAt: row.opened_at,
      endsAt: row.ends_at,
      tallies: this.tallies(row.id, options.length),
    };
  }

  /** Counts the stored votes of poll `pollId` per option. */
  tallies(pollId: number, optionCount: number): number[] {
    const tallies = new Array<number>(optionCount).fill(0);
    for (const { option, votes } of this.statements.tallies.all(pollId) as { option: number; votes: number }[]) {
      if (option < optionCount) tallies[option] = votes;
    }
    return tallies;
  }

  /**
   * Stores `viewerId`'s vote for `option` of poll `pollId`, replacing an
   * earlier one, and returns the option voted for before, or null. The caller
   * checks that the poll is open and has the option.
   */
  vote(pollId: number, viewerId: string, option: number, now = Date.now()): number | null {
    return this.db.transaction(() => {
      const previous = this.viewerVote(pollId, viewerId);
      if (previous !== option) this.statements.upsertVote.run(pollId, viewerId, option, now);
      return previous;
    })();
  }

  /** Returns the option `viewerId` voted for in poll `pollId`, or null. */
  viewerVote(pollId: number, viewerId: string): number | null {
    const row = this.statements.previousVote.get(pollId, viewerId) as { option: number } | undefined;
    return row ? row.option : null;
  }

  /** Marks poll `pollId` closed with its result; returns null when it was not open. */
  closePoll(pollId: number, closedAt: number, reason: PollCloseReason, fields: ClosedFields): PollResult | null {
    const changed = this.statements.close.run(closedAt, reason, JSON.stringify(fields), pollId).changes === 1;
    return changed ? this.result(pollId) : null;
  }

  /** Replaces the application of closed poll `pollId`, such as `pending` by `applied`; returns the updated result. */
  setApplication(pollId: number, application: PollApplication): PollResult | null {
    const result = this.result(pollId);
    if (!result) return null;
    const fields: ClosedFields = { tallies: result.tallies, outcome: result.outcome, winner: result.winner, application };
    this.statements.setResult.run(JSON.stringify(fields), pollId);
    return { ...result, application };
  }

  /** Returns closed poll `pollId` with its result, or null when it does not exist or is open. */
  result(pollId: number): PollResult | null {
    const row = this.statements.poll.get(pollId) as PollRow | undefined;
    return row ? toResult(row) : null;
  }

  /** Returns whether poll `pollId` exists, open or closed. */
  exists(pollId: number): boolean {
    return this.statements.poll.get(pollId) !== undefined;
  }

  /** Returns up to `limit` closed polls, most recently closed first. */
  recentResults(limit: number): PollResult[] {
    return (this.statements.recentClosed.all(limit) as PollRow[]).map(toResult).filter((result): result is PollResult => result !== null);
  }

  /** Returns the closed polls whose winner was still being applied, which a host that stopped mid-restart leaves behind. */
  pendingApplications(): PollResult[] {
    return (this.statements.pending.all() as PollRow[]).map(toResult).filter((result): result is PollResult => result !== null);
  }

  close(): void {
    this.db.close();
  }
}

/** Builds a closed poll's result from its row; null for an open poll. */
function toResult(row: PollRow): PollResult | null {
  if (row.closed_at === null || row.close_reason === null || row.result === null) return null;
  const fields = JSON.parse(row.result) as ClosedFields;
  return {
    id: row.id,
    question: row.question,
    options: JSON.parse(row.options) as PollOption[],
    setting: row.setting,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    closeReason: row.close_reason,
    ...fields,
  };
}
