/**
 * What the server stores under: "<namespace>/<hash>". Both parts are checked before anything
 * reaches a storage backend, and eviction lists only what has this shape.
 */

/** Nx hashes are decimal strings today; allow any short [A-Za-z0-9_-] name, which also rules out path tricks. */
export const HASH_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** A token's namespace. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether `key` is "<namespace>/<hash>", the only shape the server writes. */
export function isEntryKey(key: string): boolean {
  const slash = key.indexOf('/');
  return slash > 0 && NAMESPACE_PATTERN.test(key.slice(0, slash)) && HASH_PATTERN.test(key.slice(slash + 1));
}

/**
 * The marker the server writes into a folder or S3 prefix it takes as its own (eviction deletes
 * entries there), and the text it holds.
 */
export const OWNER_MARKER = '.nx-cache-server';
export const OWNER_MARKER_TEXT =
  'An Nx remote cache written by tools/cache-server (CustomerCareGPT). Its eviction deletes cache entries here.\n';
