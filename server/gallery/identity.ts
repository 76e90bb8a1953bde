// Anonymous viewer ids: a random id in a signed, HttpOnly, SameSite=Lax
// cookie, issued on the first request of a browser. The signature (HMAC-SHA256
// with a key kept in the state folder) stops a viewer from choosing another
// viewer's id. It does not stop anyone from clearing cookies to get a new
// one, which is why the rate limits also count per IP address.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';

import type { NextFunction, Request, Response } from 'express';

import { readOrCreateSecret } from '../secret-file';

/** Name of the cookie that carries the viewer id. */
export const VIEWER_COOKIE = 'lc_viewer';

/** File in the state folder that contains the cookie-signing key. */
export const VIEWER_KEY_FILE = 'viewer-key';

/** Lifetime of the cookie, in milliseconds: one year, so a regular viewer keeps their votes. */
const COOKIE_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/** A viewer id: 16 random bytes as base64url. */
const VIEWER_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** Maximum verified cookie values remembered, so a returning viewer's requests skip the HMAC. */
const VERIFIED_CACHE_SIZE = 10_000;

export class ViewerIdentity {
  /** Cookie values whose signature matched, with their viewer id, oldest first. */
  private readonly verified = new Map<string, string>();

  private constructor(private readonly key: Buffer) {}

  /** Loads the signing key from the state folder, creating it on the first start. */
  static async load(stateDir: string): Promise<ViewerIdentity> {
    const { secret } = await readOrCreateSecret(join(stateDir, VIEWER_KEY_FILE));
    return new ViewerIdentity(Buffer.from(secret, 'utf8'));
  }

  /** Returns a new random viewer id. */
  static newViewerId(): string {
    return randomBytes(16).toString('base64url');
  }

  /** Returns the cookie value for `viewerId`: the id, a dot, and its signature. */
  sign(viewerId: string): string {
    return `${viewerId}.${this.signature(viewerId)}`;
  }

  /** Returns the viewer id in a cookie value, or null when the value is malformed or its signature does not match. */
  verify(value: string): string | null {
    const cached = this.verified.get(value);
    if (cached !== undefined) return cached;

    const viewerId = this.verifySignature(value);
    if (viewerId === null) return null;

    // Only values with a valid signature enter the cache, so forged cookies cannot fill it.
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(value, viewerId);
    return viewerId;
  }

  private verifySignature(value: string): string | null {
    const dot = value.indexOf('.');
    if (dot < 0) return null;

    const viewerId = value.slice(0, dot);
    if (!VIEWER_ID_PATTERN.test(viewerId)) return null;

    const given = Buffer.from(value.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.signature(viewerId), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return viewerId;
  }

  /** Returns the verified viewer id in the request headers' cookie, or null. The WebSocket upgrade uses this. */
  fromHeaders(headers: IncomingHttpHeaders): string | null {
    const value = readCookie(headers.cookie, VIEWER_COOKIE);
    return value === null ? null : this.verify(value);
  }

  /**
   * Express middleware that puts the viewer id into `response.locals.viewerId`,
   * issuing a new id and cookie when the request has no valid one.
   */
  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      let viewerId = this.fromHeaders(request.headers);
      if (viewerId === null) {
        viewerId = ViewerIdentity.newViewerId();
        response.cookie(VIEWER_COOKIE, this.sign(viewerId), {
          httpOnly: true,
          sameSite: 'lax',
          secure: request.secure,
          path: '/',
          maxAge: COOKIE_MAX_AGE_MS,
        });
      }
      response.locals.viewerId = viewerId;
      next();
    };
  }

  private signature(viewerId: string): string {
    return createHmac('sha256', this.key).update(viewerId).digest('base64url');
  }
}

/** Returns the value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    if (part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim();
  }
  return null;
}
