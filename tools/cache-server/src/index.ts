export { loadConfig, helpText, ConfigError, type ServerConfig } from './config';
export { TokenTable, parseTokenSpec, type Scope, type TokenGrant } from './auth';
export { startCacheServer, createStorage, type RunningCacheServer } from './start';
export { createCacheServer } from './server';
export { HASH_PATTERN } from './keys';
export { FileSystemStorage } from './storage/fs';
export { S3Storage } from './storage/s3';
export type { CacheStorage, StoredEntry } from './storage/storage';
export { planEviction, evict, type EvictionPolicy } from './eviction';
