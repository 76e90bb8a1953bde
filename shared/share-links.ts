// The response of `GET /api/host/links`: where the host listens and the
// addresses at which other machines reach it, so the host panel can show a
// viewer link that works on the viewers' machines.

/** One address of the host that another machine can open. */
export interface NetworkUrl {
  /** Network interface of the address, such as eth0; null for a host started on one address. */
  name: string | null;
  /** The viewer page at that address, such as http://192.168.1.20:3000/. */
  url: string;
}

export interface HostLinks {
  /** The `--host` address, such as 127.0.0.1 or 0.0.0.0. */
  listenHost: string;
  /** Whether the host listens on a loopback address, which no other machine can reach. */
  loopbackOnly: boolean;
  /** The host's IPv4 addresses for other machines, empty for a loopback host. */
  networkUrls: NetworkUrl[];
}

/** Returns whether only this machine can reach a host name or address: localhost, 127.0.0.0/8 or ::1, with or without brackets. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
