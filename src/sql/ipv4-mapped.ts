/** Base of IPv4-mapped IPv6 addresses (::ffff:0:0/96): the store keeps an IPv4 address as this plus its 32-bit value. */
export const IPV4_MAPPED_BASE = 0xffff00000000n;

/** The last IPv4-mapped address (::ffff:255.255.255.255). */
export const IPV4_MAPPED_END = IPV4_MAPPED_BASE + 0xffffffffn;
