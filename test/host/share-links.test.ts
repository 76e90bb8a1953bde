// The links the host panel offers: the host's network addresses for a host
// on 0.0.0.0, and the panel's own origin otherwise.

import type { NetworkInterfaceInfo } from 'node:os';

import { describe, expect, it } from 'vitest';

import { shareUrls } from '../../client/src/host/share-urls';
import { networkUrls } from '../../server/http/share-links';
import type { InterfaceTable } from '../../server/http/share-links';
import { isLoopbackHost } from '../../shared/share-links';
import type { HostLinks } from '../../shared/share-links';

/** Interfaces with loopback, IPv6 link-local and documentation (RFC 5737) addresses, which no test connects to. */
const INTERFACES: InterfaceTable = {
  lo: [address('127.0.0.1', 'IPv4', true), address('::1', 'IPv6', true)],
  eth0: [address('192.0.2.10', 'IPv4', false), address('fe80::1', 'IPv6', false)],
  wlan0: [address('198.51.100.7', 'IPv4', false)],
};

const EVERYWHERE: HostLinks = {
  listenHost: '0.0.0.0',
  loopbackOnly: false,
  networkUrls: [
    { name: 'eth0', url: 'http://192.0.2.10:3000/' },
    { name: 'wlan0', url: 'http://198.51.100.7:3000/' },
  ],
};

function address(value: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo {
  const common = { address: value, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...common, family } : { ...common, family, scopeid: 0 };
}

describe('networkUrls', () => {
  it('lists external IPv4 addresses on 0.0.0.0', () => {
    expect(networkUrls('0.0.0.0', 3000, INTERFACES)).toEqual([
      { name: 'eth0', url: 'http://192.0.2.10:3000/' },
      { name: 'wlan0', url: 'http://198.51.100.7:3000/' },
    ]);
  });

  it('lists the same addresses on ::', () => {
    expect(networkUrls('::', 3000, INTERFACES).map((each) => each.url)).toEqual(['http://192.0.2.10:3000/', 'http://198.51.100.7:3000/']);
  });

  it('lists nothing on a loopback address', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) expect(networkUrls(host, 3000, INTERFACES), host).toEqual([]);
  });

  // 2001:db8::/32 is the IPv6 documentation range (RFC 3849).
  it('returns the one address a host listens on', () => {
    expect(networkUrls('192.0.2.10', 3000, INTERFACES)).toEqual([{ name: null, url: 'http://192.0.2.10:3000/' }]);
    expect(networkUrls('2001:db8::5', 3000, INTERFACES)).toEqual([{ name: null, url: 'http://[2001:db8::5]:3000/' }]);
  });
});

describe('isLoopbackHost', () => {
  it('tells loopback from network hosts', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.0.2.10', '::', 'example.com', '128.0.0.1', '127.0.0.1.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('shareUrls', () => {
  it('gives viewers the network addresses on localhost', () => {
    const urls = shareUrls('http://localhost:3000', EVERYWHERE);
    expect(urls.viewer.map((link) => link.url)).toEqual(['http://192.0.2.10:3000/', 'http://198.51.100.7:3000/']);
    expect(urls.viewer.map((link) => link.label)).toEqual(['Viewer link (eth0)', 'Viewer link (wlan0)']);
    expect(urls.overlay.url).toBe('http://localhost:3000/overlay');
    expect(urls.note).toContain('http://192.0.2.10:3000/overlay');
  });

  it('leaves out the interface name of a single address', () => {
    const links = { ...EVERYWHERE, networkUrls: [EVERYWHERE.networkUrls[1]] };
    expect(shareUrls('http://127.0.0.1:3000', links).viewer).toEqual([{ id: 'viewer-link', label: 'Viewer link', url: 'http://198.51.100.7:3000/' }]);
  });

  it('keeps a network origin the panel was opened at', () => {
    const urls = shareUrls('http://198.51.100.7:3000', EVERYWHERE);
    expect(urls.viewer.map((link) => link.url)).toEqual(['http://198.51.100.7:3000/']);
    expect(urls.overlay.url).toBe('http://198.51.100.7:3000/overlay');
    expect(urls.note).toBe('');
  });

  it('warns that a loopback host reaches no viewer', () => {
    const urls = shareUrls('http://127.0.0.1:3000', { listenHost: '127.0.0.1', loopbackOnly: true, networkUrls: [] });
    expect(urls.viewer.map((link) => link.url)).toEqual(['http://127.0.0.1:3000/']);
    expect(urls.note).toContain('--host 0.0.0.0');
  });

  it('says so when 0.0.0.0 has no network address', () => {
    const urls = shareUrls('http://localhost:3000', { ...EVERYWHERE, networkUrls: [] });
    expect(urls.viewer.map((link) => link.url)).toEqual(['http://localhost:3000/']);
    expect(urls.note).toContain('no network address');
  });

  it('uses the page origin until the host answers', () => {
    const urls = shareUrls('http://localhost:3000', null);
    expect(urls.viewer.map((link) => link.url)).toEqual(['http://localhost:3000/']);
    expect(urls.note).toBe('');
  });
});
