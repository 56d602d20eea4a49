// The quoting helpers live in src/sql (the SQL primitives); this path stays for the store's callers.
export { quoteIdentifier, sqlLiteral } from '../sql/quote.js';
