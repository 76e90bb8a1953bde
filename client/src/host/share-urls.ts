// The addresses the host panel offers to share. The panel usually runs on
// the streamer's machine at a loopback address, such as the localhost link
// that a host on 0.0.0.0 prints, and viewers cannot open that address.

import { isLoopbackHost } from '../../../shared/share-links';
import type { HostLinks } from '../../../shared/share-links';

/** One link to copy, with the label the panel shows next to it. */
export interface ShareLink {
  id: string;
  label: string;
  url: string;
}

export interface ShareUrls {
  /** Viewer page links: one per network address of the host, or the panel's own origin. */
  viewer: ShareLink[];
  overlay: ShareLink;
  /** A warning about who can open the links, or an empty string when every viewer can. */
  note: string;
}

/**
 * Chooses the links for a panel opened at `pageOrigin`. On a loopback page
 * the viewer links use the host's network addresses, while the overlay URL
 * keeps the loopback origin, because OBS usually runs on the streamer's
 * machine. A page opened at another address uses that address, which
 * evidently works. `links` is null until the host has returned them.
 */
export function shareUrls(pageOrigin: string, links: HostLinks | null): ShareUrls {
  const overlay = { id: 'overlay-link', label: 'Overlay URL', url: `${pageOrigin}/overlay` };
  const own = [{ id: 'viewer-link', label: 'Viewer link', url: `${pageOrigin}/` }];
  if (links === null || !isLoopbackHost(new URL(pageOrigin).hostname)) return { viewer: own, overlay, note: '' };

  if (links.loopbackOnly) {
    const note = `Only this machine can open these links, because the host listens on ${links.listenHost}. Start it with --host 0.0.0.0 to let viewers on your network in.`;
    return { viewer: own, overlay, note };
  }
  if (links.networkUrls.length === 0) {
    return { viewer: own, overlay, note: `The host listens on ${links.listenHost}, but this machine has no network address that other machines can reach.` };
  }

  const named = links.networkUrls.length > 1;
  const viewer = links.networkUrls.map((address, i) => ({
    id: i === 0 ? 'viewer-link' : `viewer-link-${i + 1}`,
    label: named && address.name ? `Viewer link (${address.name})` : 'Viewer link',
    url: address.url,
  }));
  const note = `The overlay URL works in OBS on this machine. OBS on another machine needs ${viewer[0].url}overlay.`;
  return { viewer, overlay, note };
}
