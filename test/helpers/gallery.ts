// HTTP clients for gallery tests: each keeps its own viewer cookie, like one browser.

import type { Host } from '../../server/host';

/** One viewer: sends the cookie the host issued on its first request. */
export class ViewerClient {
  cookie: string | null = null;

  constructor(private readonly host: Pick<Host, 'url'>) {}

  /** Sends a request with this viewer's cookie and keeps the cookie the host sets. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const response = await fetch(new URL(path, this.host.url), { ...init, headers });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return response;
  }

  /** Makes a first request, so the viewer has its cookie. */
  async visit(): Promise<this> {
    await (await this.request('/api/status')).arrayBuffer();
    return this;
  }

  /** POSTs a submission body, which may be any JSON text. */
  submitRaw(body: string, contentType = 'application/json'): Promise<Response> {
    return this.request('/api/gallery', { method: 'POST', headers: { 'content-type': contentType }, body });
  }

  submit(z: unknown, title?: unknown): Promise<Response> {
    return this.submitRaw(JSON.stringify(title === undefined ? { z } : { z, title }));
  }

  vote(id: number): Promise<Response> {
    return this.request(`/api/gallery/${id}/vote`, { method: 'POST' });
  }

  unvote(id: number): Promise<Response> {
    return this.request(`/api/gallery/${id}/vote`, { method: 'DELETE' });
  }

  /** The viewer id inside the cookie, as the host stores it. */
  get viewerId(): string {
    return (this.cookie ?? '').split('=')[1].split('.')[0];
  }
}

/** Calls a host-only route with a bearer token (or none). */
export function hostCall(host: Pick<Host, 'url'>, path: string, token: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(new URL(path, host.url), { ...init, headers });
}

/** Returns a latent vector of `size` values, distinct per `seed`. */
export function latent(size: number, seed = 1): number[] {
  return Array.from({ length: size }, (_, i) => Math.round(Math.sin(seed * 12.9898 + i * 78.233) * 3000) / 1000);
}
