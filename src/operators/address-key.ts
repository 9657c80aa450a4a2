/**
 * What the per-address limits count by: an IPv4 address as it is, an IPv4 address mapped into IPv6
 * (`::ffff:1.2.3.4`, as a dual-stack listener reports it) as that IPv4 address, and an IPv6 address
 * by its /64 prefix, since one host or home is routinely given a whole /64 (IRC servers count IPv6
 * clones the same way). Anything else (a Unix socket, 'unknown') is its own key.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  const groups = ipv6Groups(address.split('%')[0]!);
  return groups === undefined ? address : `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower case without leading zeros; undefined if it is not one. */
function ipv6Groups(address: string): string[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap(expandEmbeddedIpv4));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
}

/** A trailing dotted IPv4 part (`::1.2.3.4`) stands for two groups. */
function expandEmbeddedIpv4(group: string): string[] {
  if (!group.includes('.')) return [group];
  const bytes = group.split('.').map(Number);
  if (bytes.length !== 4 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return ['x'];
  return [((bytes[0]! << 8) | bytes[1]!).toString(16), ((bytes[2]! << 8) | bytes[3]!).toString(16)];
}
