// The addresses at which other machines reach the host, for the viewer link
// that the host panel shows and for the start log. A host on 0.0.0.0 prints
// its panel link as localhost, where the panel's own origin would give
// viewers a link that only opens on the streamer's machine.

import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

import express from 'express';
import type { Router } from 'express';

import { isLoopbackHost } from '../../shared/share-links';
import type { HostLinks, NetworkUrl } from '../../shared/share-links';

/** Network interfaces by name, as `os.networkInterfaces()` returns them. */
export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * Returns the URL of each IPv4 address that other machines can open: every
 * external interface's for a host on 0.0.0.0 or ::, the address itself for a
 * host on one external address, and none for a loopback host.
 */
export function networkUrls(listenHost: string, port: number, interfaces: InterfaceTable = networkInterfaces()): NetworkUrl[] {
  if (isLoopbackHost(listenHost)) return [];
  if (!listensEverywhere(listenHost)) return [{ name: null, url: `http://${bracketed(listenHost)}:${port}/` }];

  // NOTE: IPv6 addresses are left out, so a machine on an IPv6-only network gets no viewer link.
  const urls: NetworkUrl[] = [];
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) urls.push({ name, url: `http://${address.address}:${port}/` });
    }
  }
  return urls;
}

/** Returns the route `GET /links` for the host API, which checks the token before it. */
export function shareLinkRoutes(listenHost: string, interfaces: () => InterfaceTable = networkInterfaces): Router {
  const router = express.Router();
  router.get('/links', (request, response) => {
    // The socket's local port is the port the host listens on, which is only known once it listens.
    const links: HostLinks = {
      listenHost,
      loopbackOnly: isLoopbackHost(listenHost),
      networkUrls: networkUrls(listenHost, request.socket.localPort ?? 0, interfaces()),
    };
    response.set('Cache-Control', 'no-store').json(links);
  });
  return router;
}

function listensEverywhere(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** Puts an IPv6 address in brackets, as URLs need. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
