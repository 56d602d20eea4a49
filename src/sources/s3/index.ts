export * from './layout.js';
export * from './uri.js';
export * from './list-objects.js';
export * from './object-stream.js';
export * from './s3-source.js';
export * from './other-prefix.js';
