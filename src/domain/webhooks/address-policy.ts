import { isIP } from 'node:net';

/**
 * Which addresses a webhook may be sent to (SSRF guard). Checked on the addresses a host name
 * RESOLVES to, just before connecting to that very address, so a name that points inward (or is made
 * to, between a check and a connect) is refused too. Refused: loopback, private, shared (carrier-grade
 * NAT), link-local (the cloud metadata service at 169.254.169.254 included), unspecified, multicast,
 * reserved and documentation ranges, in IPv4 and in IPv6, and an IPv4 address inside an IPv6 one
 * (mapped `::ffff:a.b.c.d`, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged as IPv4.
 */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: AddressVerdict = { allowed: true };

/** [first address as a number, prefix length, reason] */
const IPV4_REFUSED: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (broadcast included)'],
];

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

const IPV4_RANGES = IPV4_REFUSED.map(([first, prefix, reason]) => ({
  first: ipv4Number(first),
  size: 2 ** (32 - prefix),
  reason,
}));

function classifyIpv4(value: number, shown: string): AddressVerdict {
  for (const range of IPV4_RANGES) {
    if (value >= range.first && value < range.first + range.size) {
      return { allowed: false, reason: `${shown} is ${range.reason}` };
    }
  }
  return ALLOWED;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part included); undefined if malformed. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = text.slice(lastColon + 1);
    if (isIP(v4) !== 4) return undefined;
    const n = ipv4Number(v4);
    tail.push(Math.floor(n / 65536), n % 65536);
    // Keep a '::' right before the IPv4 part ('::1.2.3.4'); drop the single ':' otherwise ('::ffff:1.2.3.4').
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 && known !== 8) return undefined;
  if (known > 8 || [...head, ...rest].some((group) => !Number.isInteger(group) || group > 0xffff)) {
    return undefined;
  }
  const zeros = halves.length === 2 ? new Array<number>(8 - known).fill(0) : [];
  return [...head, ...zeros, ...rest, ...tail];
}

function embeddedIpv4(groups: number[]): number {
  return groups[6] * 65536 + groups[7];
}

function classifyIpv6(groups: number[], shown: string): AddressVerdict {
  const [g0, g1, g2, g3, g4, g5] = groups;
  const firstSixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstSixZero && g5 === 0 && groups[6] === 0 && groups[7] === 0) {
    return { allowed: false, reason: `${shown} is unspecified` };
  }
  if (firstSixZero && g5 === 0 && groups[6] === 0 && groups[7] === 1) {
    return { allowed: false, reason: `${shown} is loopback` };
  }
  // IPv4 inside IPv6: mapped (::ffff:0:0/96), compatible (::/96), NAT64 (64:ff9b::/96), judged as IPv4.
  if (firstSixZero && (g5 === 0xffff || g5 === 0)) return classifyIpv4(embeddedIpv4(groups), shown);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyIpv4(embeddedIpv4(groups), shown);
  }
  // 6to4 (2002::/16) carries an IPv4 address in its second and third groups.
  if (g0 === 0x2002) return classifyIpv4(g1 * 65536 + g2, shown);
  if ((g0 & 0xffc0) === 0xfe80) return { allowed: false, reason: `${shown} is link-local` };
  if ((g0 & 0xffc0) === 0xfec0) return { allowed: false, reason: `${shown} is site-local` };
  if ((g0 & 0xfe00) === 0xfc00) {
    return {
      allowed: false,
      reason: `${shown} is private (unique local; cloud metadata fd00:ec2::254 included)`,
    };
  }
  if ((g0 & 0xff00) === 0xff00) return { allowed: false, reason: `${shown} is multicast` };
  if (g0 === 0x2001 && g1 === 0x0db8) return { allowed: false, reason: `${shown} is documentation` };
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0)
    return { allowed: false, reason: `${shown} is discard-only` };
  return ALLOWED;
}

/** Whether a webhook may be sent to this IP address (v4 or v6 text); an unparseable one is refused. */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address.split('%')[0]);
  if (family === 4) return classifyIpv4(ipv4Number(address), address);
  if (family === 6) {
    const groups = ipv6Groups(address);
    if (groups) return classifyIpv6(groups, address);
  }
  return { allowed: false, reason: `${address} is not an IP address` };
}
