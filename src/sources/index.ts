export * from './types.js';
export * from './local.js';
export * from './resolve.js';
import './remote.js';
