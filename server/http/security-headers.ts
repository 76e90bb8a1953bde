// Security headers on every response. Pages get a Content-Security-Policy
// that allows only what the built pages use: their own scripts and styles,
// the inline <style> blocks of the HTML files by hash, images from the host
// and data:/blob: URLs (decoded latents, gallery PNGs), and the WebSocket to
// the same host. Nothing needs eval: Lit, uPlot and TensorFlow.js's WebGL and
// CPU backends run without it. The pages never load TensorFlow.js's WASM
// backend, but tfjs-core bundles long.js, which compiles a tiny WebAssembly
// module for 64-bit multiplication when it loads (it falls back to plain
// JavaScript when that is blocked). The viewer page therefore allows
// 'wasm-unsafe-eval', which permits compiling WebAssembly and no JavaScript
// eval. The host panel, the overlay and its builder load no TensorFlow.js
// and get no such exception.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Browser features no page of the host uses, turned off for the page and anything it embeds. */
const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'serial=()',
  'usb=()',
  'fullscreen=(self)',
].join(', ');

/** Policy of API responses and anything else that is not a page: nothing may load, nothing may frame it. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Pages that load no TensorFlow.js, and so compile no WebAssembly, in lower case without a trailing slash. */
const PAGES_WITHOUT_TENSORFLOW = new Set(['/host', '/host.html', '/overlay', '/overlay.html', '/overlay/builder', '/overlay-builder.html']);

/** A Host header that can go into a policy unchanged: a name or address and an optional port. */
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * Returns middleware that sets the security headers. `clientDist` is the
 * folder of the built pages, whose inline styles are hashed into the policy.
 */
export function securityHeaders(clientDist: string): RequestHandler {
  const styles = new InlineStyleHashes(clientDist);

  return (request: Request, response: Response, next: NextFunction) => {
    response.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Permissions-Policy': PERMISSIONS_POLICY,
      'Cross-Origin-Opener-Policy': 'same-origin',
    });

    if (request.path.startsWith('/api/') || request.path === '/metrics' || request.path === '/healthz') {
      response.set('Content-Security-Policy', API_POLICY);
      next();
      return;
    }

    // The moderation page carries the host token, so no page may frame it. Other pages may be framed by
    // pages of this host only, such as a preview of the overlay. OBS loads a browser source as a
    // top-level page, not in a frame, so frame-ancestors does not apply to the overlay there.
    // Express matches routes without case and with a trailing slash, so /HOST/ serves the panel too.
    const path = request.path.toLowerCase().replace(/\/+$/, '');
    const hostPage = path === '/host' || path === '/host.html';
    const wasm = !PAGES_WITHOUT_TENSORFLOW.has(path);
    response.set('Content-Security-Policy', pagePolicy(styles.current(), request.headers.host, hostPage, wasm));
    response.set('X-Frame-Options', hostPage ? 'DENY' : 'SAMEORIGIN');
    next();
  };
}

function pagePolicy(styleHashes: string[], host: string | undefined, hostPage: boolean, wasm: boolean): string {
  // CSP Level 3 lets 'self' match ws: and wss: on the page's own host, but the explicit sources keep
  // browsers that predate it working.
  const sockets = host && HOST_HEADER.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    wasm ? "script-src 'self' 'wasm-unsafe-eval'" : "script-src 'self'",
    `style-src 'self'${styleHashes.map((hash) => ` '${hash}'`).join('')}`,
    // Lit templates set a few custom properties, such as a badge colour, through style attributes.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${hostPage ? "'none'" : "'self'"}`,
  ].join('; ');
}

/**
 * SHA-256 sources of the inline <style> blocks of every built page. The
 * build replaces the folder while a host may run, so the hashes are read
 * again whenever the build stamp changes.
 */
class InlineStyleHashes {
  private stamp = -1;
  private hashes: string[] = [];

  constructor(private readonly folder: string) {}

  current(): string[] {
    const stamp = this.buildTime();
    if (stamp !== this.stamp) {
      this.hashes = this.scan();
      this.stamp = stamp;
    }
    return this.hashes;
  }

  private buildTime(): number {
    try {
      return statSync(this.folder).mtimeMs;
    } catch {
      return 0;
    }
  }

  private scan(): string[] {
    const hashes = new Set<string>();
    let files: string[] = [];
    try {
      files = readdirSync(this.folder).filter((name) => name.endsWith('.html'));
    } catch {
      // No build yet: the host responds to pages with a 503 that needs no styles.
    }
    for (const file of files) {
      const html = readFileSync(join(this.folder, file), 'utf8');
      for (const match of html.matchAll(/<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/g)) {
        hashes.add(`sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}`);
      }
    }
    return [...hashes].sort();
  }
}
