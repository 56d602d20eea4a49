export * from './format.js';
export * from './issues.js';
export * from './record-parser.js';
export * from './decoder.js';
export * from './line-reader.js';
export * from './parse-text.js';
export * from './decode-unit.js';
