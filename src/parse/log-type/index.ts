export * from './types.js';
export * from './registry.js';
export * from './detect.js';
export * from './decode-log-unit.js';
export * from './parse-log-text.js';
