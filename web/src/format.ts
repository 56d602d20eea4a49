/** 1234567 → "1.2 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Epoch seconds → "2023-11-14 22:13:20Z". */
export function formatTime(seconds: number | null): string {
  if (seconds === null) return '–';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.000Z$/, 'Z');
}

const PROTOCOLS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 47: 'GRE', 50: 'ESP' };

/** IANA protocol number → name. */
export function protocolName(protocol: number | null): string {
  return protocol === null ? '–' : (PROTOCOLS[protocol] ?? String(protocol));
}

/** Escapes text for innerHTML. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
