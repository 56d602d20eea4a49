export * from './uri.js';
export * from './windows.js';
export * from './fetch-events.js';
export * from './cloudwatch-source.js';
