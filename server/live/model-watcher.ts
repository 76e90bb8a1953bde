// Watches the streamer's model file and starts a new run when it is saved.
// Editors save by writing a new file and renaming it over the old one, which
// ends a watch on the file itself, so the folder is watched and events are
// filtered by name. A reload waits until saves stop for a moment and the file
// stops growing; a file whose content did not change is not reloaded.

import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import type { SourceLocation } from '../../shared/training';
import type { Logger } from '../log';
import { RunStartError } from '../run/run-control';
import type { RunControl } from '../run/run-control';
import { RestartSupersededError } from '../run/run-manager';

export interface ModelWatcherOptions {
  /** Quiet time after the last change event before a reload starts, in milliseconds. */
  debounceMs: number;
  /** Time between the two looks at size and modification time that must agree before a reload, in milliseconds. */
  settleMs: number;
  /** Time a file may be missing, as during an editor's rename-over save, before the watcher reports it, in milliseconds. */
  missingGraceMs: number;
}

export const MODEL_WATCHER_DEFAULTS: ModelWatcherOptions = { debounceMs: 300, settleMs: 100, missingGraceMs: 2000 };

/** The result of a reload, for the host status: null after a successful load. */
export type ReloadOutcome = { message: string; location: SourceLocation | null } | null;

/** Size and modification time, which together tell whether a writer is still busy with the file. */
interface FileVersion {
  size: number;
  mtimeMs: number;
}

/** Start reason of a run that a save started, as the run history lists it. */
export const RELOAD_REASON = 'model file saved';

export class ModelFileWatcher {
  private readonly options: ModelWatcherOptions;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  /** Hash of the content that the current run loaded or that last failed, so that an unchanged save does nothing. */
  private lastHash: string | null = null;
  private reloading: Promise<void> | null = null;
  /** A change arrived while a reload was running; it reloads again once that one ends. */
  private changedDuringReload = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly control: Pick<RunControl, 'restart'>,
    private readonly log: Logger,
    private readonly report: (outcome: ReloadOutcome) => void,
    options: Partial<ModelWatcherOptions> = {},
  ) {
    this.options = { ...MODEL_WATCHER_DEFAULTS, ...options };
  }

  /** Starts watching. The content at this moment counts as loaded, so saving it unchanged starts no run. */
  async start(): Promise<void> {
    this.lastHash = await this.contentHash().catch(() => null);
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      // Some platforms leave out the name; then any change in the folder may be this file.
      if (changed === null || changed === name) this.changed();
    });
    this.watcher.on('error', (error) => this.log.error({ err: error, file: this.file }, 'watching the model file failed; saves no longer reload'));
    this.log.info({ file: this.file }, 'watching the model file; saving it starts a new run');
  }

  /** Stops watching and drops a pending reload; a reload that already started runs to its end. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
    await this.reloading;
  }

  private changed(): void {
    if (this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reloadWhenFree();
    }, this.options.debounceMs);
  }

  private reloadWhenFree(): void {
    if (this.reloading) {
      this.changedDuringReload = true;
      return;
    }
    this.reloading = this.reload()
      .catch((error: unknown) => this.log.error({ err: error, file: this.file }, 'reloading the model file failed'))
      .finally(() => {
        this.reloading = null;
        if (this.changedDuringReload && !this.closed) {
          this.changedDuringReload = false;
          this.reloadWhenFree();
        }
      });
  }

  private async reload(): Promise<void> {
    const version = await this.settledVersion();
    if (version === null) {
      this.fail({ message: `the model file ${basename(this.file)} was deleted or renamed; the current model keeps training. Save the file again to reload it.`, location: null });
      return;
    }

    // NOTE: the new worker imports the file a few seconds after this hash. A writer that pauses
    // mid-file for longer than debounceMs + settleMs gets a run of the finished file and then a
    // second run of the same content, because the hash kept here is the half-written one's.
    const hash = await this.contentHash();
    if (hash === this.lastHash) {
      this.log.debug({ file: this.file }, 'model file saved without changes; the run goes on');
      return;
    }
    this.lastHash = hash;

    this.log.info({ file: this.file }, 'model file changed; starting a new run with it');
    try {
      // The model too, because the host panel may have switched the run to a built-in model since.
      await this.control.restart({ model: 'file', modelFile: this.file }, RELOAD_REASON);
      this.log.info({ file: this.file }, 'model file loaded; the new run trains');
      this.report(null);
    } catch (error) {
      await this.failed(error, version);
    }
  }

  /**
   * Handles a failed reload. A file that changed while it loaded was still
   * being written, so its error (typically a syntax error where the write
   * stopped) is not reported. The change event that follows reloads it.
   */
  private async failed(error: unknown, loaded: FileVersion): Promise<void> {
    const now = await this.settledVersion();
    if (now !== null && (now.size !== loaded.size || now.mtimeMs !== loaded.mtimeMs)) {
      this.log.debug({ file: this.file }, 'model file changed while it loaded; reloading it instead of reporting the error');
      this.lastHash = null;
      this.changedDuringReload = true;
      return;
    }

    if (error instanceof RestartSupersededError) {
      // A later restart, such as one from the host panel, starts from the configuration with this file anyway.
      this.log.info({ file: this.file, reason: error.message }, 'model file reload replaced by a later restart');
      return;
    }

    const location = error instanceof RunStartError ? (error.location ?? null) : null;
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof RunStartError)) this.log.error({ err: error, file: this.file }, 'unexpected error while starting a run with the model file');
    this.fail({ message, location });
  }

  private fail(outcome: NonNullable<ReloadOutcome>): void {
    const where = outcome.location ? ` (${formatLocation(outcome.location)})` : '';
    this.log.warn({ file: this.file, location: outcome.location }, `model file not loaded, the previous model keeps training: ${outcome.message}${where}`);
    this.report(outcome);
  }

  /**
   * Waits until two looks `settleMs` apart see the same size and modification
   * time. Returns null when the file stays missing for `missingGraceMs`.
   */
  private async settledVersion(): Promise<FileVersion | null> {
    let previous: FileVersion | null = null;
    let missingSince: number | null = null;
    for (;;) {
      const current = await this.version();
      if (current === null) {
        missingSince ??= Date.now();
        if (Date.now() - missingSince >= this.options.missingGraceMs) return null;
      } else {
        missingSince = null;
        if (previous && previous.size === current.size && previous.mtimeMs === current.mtimeMs) return current;
      }
      previous = current;
      await sleep(this.options.settleMs);
    }
  }

  private async version(): Promise<FileVersion | null> {
    try {
      const stats = await stat(this.file);
      return { size: stats.size, mtimeMs: stats.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private async contentHash(): Promise<string> {
    return createHash('sha256').update(await readFile(this.file)).digest('hex');
  }
}

/** Formats a location as editors and terminals link it: `file:line:column`. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
