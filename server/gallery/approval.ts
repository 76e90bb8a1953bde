// The approve-before-public setting of the gallery: while it is on, new
// items are visible to the host only until the host approves them. It lives
// in `--state-dir/moderation.json`, so it survives restarts of the host.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../log';

/** File in the state folder that contains the moderation settings. */
export const MODERATION_FILE = 'moderation.json';

export class ApprovalSetting {
  private constructor(
    private readonly path: string,
    private value: boolean,
    private readonly log: Logger,
  ) {}

  /**
   * Reads the setting; a missing file means off. An unreadable file turns
   * the setting on and logs why, because publishing items that the streamer
   * meant to review first is the worse mistake.
   */
  static async load(stateDir: string, log: Logger): Promise<ApprovalSetting> {
    const path = join(stateDir, MODERATION_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ApprovalSetting(path, false, log);
      throw error;
    }

    try {
      const parsed = JSON.parse(text) as { approveBeforePublic?: unknown };
      if (typeof parsed.approveBeforePublic !== 'boolean') throw new Error('"approveBeforePublic" is not true or false');
      return new ApprovalSetting(path, parsed.approveBeforePublic, log);
    } catch (error) {
      log.error({ path, err: error }, 'moderation settings are unreadable; new gallery items wait for approval until the host saves the setting again');
      return new ApprovalSetting(path, true, log);
    }
  }

  /** Whether new items wait for the host's approval. */
  get enabled(): boolean {
    return this.value;
  }

  /** Changes the setting and writes it atomically: a reader sees the old file or the new one. */
  async set(enabled: boolean): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ approveBeforePublic: enabled })}\n`);
    await rename(temporary, this.path);
    this.value = enabled;
    this.log.info({ approveBeforePublic: enabled }, enabled ? 'new gallery items now wait for approval' : 'new gallery items are public at once');
  }
}
