export * from './app.js';
export * from './alerts-route.js';
export * from './errors.js';
export * from './params.js';
export * from './static-files.js';
export * from './start.js';
export type * from './protocol.js';
