// The host token: a secret generated on the first start and kept in
// `--state-dir/host-token` (mode 0600). Every `/api/host/...` call and the
// gallery export need `Authorization: Bearer <token>`. The token is shown
// once per start, in the terminal link to the moderation page, and never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';

import type { NextFunction, Request, Response } from 'express';

import type { Logger } from '../log';
import { randomSecret, readOrCreateSecret, replaceSecret } from '../secret-file';

/** File in the state folder that contains the host token. */
export const HOST_TOKEN_FILE = 'host-token';

export class HostToken {
  private digest: Buffer;

  private constructor(
    private readonly path: string,
    private token: string,
    private readonly log: Logger,
  ) {
    this.digest = sha256(token);
  }

  /** Loads the token from the state folder, creating it on the first start. */
  static async load(stateDir: string, log: Logger): Promise<HostToken> {
    const path = join(stateDir, HOST_TOKEN_FILE);
    const { secret, created } = await readOrCreateSecret(path);
    if (created) log.info({ path }, 'created a new host token');
    return new HostToken(path, secret, log);
  }

  /** The current token, for the console link at start and the rotate response only. */
  get value(): string {
    return this.token;
  }

  /** Replaces the token, in memory and in its file; the old one stops working at once. */
  async rotate(): Promise<string> {
    const token = randomSecret();
    await replaceSecret(this.path, token);
    this.token = token;
    this.digest = sha256(token);
    this.log.info('host token rotated; links with the old token no longer work');
    return token;
  }

  /**
   * Returns whether an Authorization header carries the current token. Both
   * sides are hashed first, so timingSafeEqual compares equal lengths and the
   * time taken reveals nothing about the token.
   */
  matches(authorization: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) return false;
    return timingSafeEqual(sha256(match[1]), this.digest);
  }

  /** Returns Express middleware that responds with 401 unless the request carries the current token. */
  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      if (this.matches(request.headers.authorization)) {
        next();
        return;
      }
      this.log.info({ method: request.method, path: request.path, ip: request.ip }, 'rejected a host call without a valid token');
      response
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="latentcast host"')
        .json({ error: 'missing or wrong host token; send "Authorization: Bearer TOKEN" with the token from the host link printed at start' });
    };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
