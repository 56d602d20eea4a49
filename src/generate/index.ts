export * from './random.js';
export * from './model.js';
export * from './record.js';
export * from './emitter.js';
export * from './traffic.js';
export * from './generator.js';
export * from './output.js';
export * from './aws-logs.js';
