export { backquoteIdentifier, backslashStringLiteral, quoteIdentifier, sqlLiteral } from './quote.js';
export { addressInRangesSql, addressRangeSql, IPV4_MAPPED_BASE, IPV4_MAPPED_END, isPrivateNumberSql, PRIVATE_CIDRS } from './addresses.js';
