export * from './database.js';
export * from './schema.js';
export * from './sql-text.js';
export * from './macros.js';
export * from './ingest.js';
export * from './unit-writer.js';
export * from './flow-columns.js';
