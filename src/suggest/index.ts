export * from './security-groups.js';
