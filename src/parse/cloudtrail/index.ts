export * from './shapes.js';
export * from './fields.js';
export * from './record.js';
export * from './decoder.js';
