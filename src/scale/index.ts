export * from './parquet-schema.js';
export * from './parquet-export.js';
export * from './aws-config.js';
export * from './s3-upload.js';
export * from './athena-ddl.js';
export * from './athena-log-tables.js';
export * from './clickhouse-schema.js';
export * from './clickhouse-load.js';
