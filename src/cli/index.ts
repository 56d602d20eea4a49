export * from './run-cli.js';
export * from './render.js';
export * from './context.js';
