export * from './fields.js';
export * from './line-parser.js';
export * from './decoder.js';
