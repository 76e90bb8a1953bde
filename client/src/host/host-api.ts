// The panel's client of the host API: every call carries the host token as
// a bearer token, which is the only way the host accepts it.

import type { HostStatus, RunConfig, RunSummary, SourceLocation } from '../../../shared/training';

/** Session storage key of the host token, so that a reload keeps working after the token left the address bar. */
const TOKEN_KEY = 'latentcast-host-token';

/** A restart that failed, as `GET /api/host/run` reports it. */
export interface RejectedRestart {
  reason: string;
  message: string;
  location: SourceLocation | null;
  /** Time of the failure, in milliseconds since the Unix epoch. */
  at: number;
}

/** The run as `GET /api/host/run` returns it. */
export interface RunOverview {
  status: HostStatus;
  /** The full configuration, with the dataset's path on the host. */
  config: RunConfig;
  pendingRestart: { reason: string; requestedAt: number } | null;
  lastRejection: RejectedRestart | null;
  /** Every earlier run the host keeps, newest first. */
  earlierRuns: RunSummary[];
}

/** Outcome of one call: the parsed JSON body, and the host's error text when it failed. */
export interface ApiResult<T> {
  ok: boolean;
  status: number;
  body: T | null;
  /** The host's `error` field, or a description of the failure; null on success. */
  error: string | null;
  /** Location in the streamer's model file at which a rejected restart failed, when known. */
  location: SourceLocation | null;
}

export class HostApi {
  constructor(public token: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const parsed = (await response.json().catch(() => null)) as (T & { error?: string; location?: SourceLocation | null }) | null;
      if (response.ok) return { ok: true, status: response.status, body: parsed, error: null, location: null };
      const error = parsed?.error ?? `${method} ${path} failed with HTTP ${response.status}`;
      return { ok: false, status: response.status, body: parsed, error, location: parsed?.location ?? null };
    } catch (error) {
      return { ok: false, status: 0, body: null, error: `${method} ${path} failed: ${(error as Error).message}`, location: null };
    }
  }

  /** Fetches binary content, such as an image of a hidden item, as an object URL; null when it fails. */
  async objectUrl(path: string): Promise<string | null> {
    try {
      const response = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
      return response.ok ? URL.createObjectURL(await response.blob()) : null;
    } catch {
      return null;
    }
  }

  /** Stores a rotated token for reloads of this tab. */
  remember(token: string): void {
    this.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
  }
}

/** Reads the token from `#token=...`, moves it to session storage and clears it from the address bar, so it does not show on stream. */
export function readToken(): string {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', window.location.pathname);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Describes a model-file location as `file:line:column`. */
export function describeLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
}
