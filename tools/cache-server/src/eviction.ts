import type { CacheStorage, StoredEntry } from './storage/storage';

export interface EvictionPolicy {
  /** Bytes; 0 = no limit. */
  maxTotalSize: number;
  /** Milliseconds; 0 = entries never expire. */
  maxAge: number;
}

export interface EvictionPlan {
  evict: StoredEntry[];
  keptBytes: number;
  keptEntries: number;
}

/**
 * Chooses what to delete: every entry older than maxAge, then the oldest of the rest until the
 * total fits in maxTotalSize. "Age" is the entry's date: its last hit on the fs backend (which
 * records hits), the time it was stored on S3. Pure, so the policy is tested without a store.
 */
export function planEviction(entries: StoredEntry[], policy: EvictionPolicy, now: Date): EvictionPlan {
  const oldestFirst = [...entries].sort((a, b) => a.storedAt.getTime() - b.storedAt.getTime() || a.key.localeCompare(b.key));
  const evict: StoredEntry[] = [];
  const kept: StoredEntry[] = [];
  for (const entry of oldestFirst) {
    if (policy.maxAge > 0 && now.getTime() - entry.storedAt.getTime() > policy.maxAge) evict.push(entry);
    else kept.push(entry);
  }
  let keptBytes = kept.reduce((sum, entry) => sum + entry.size, 0);
  while (policy.maxTotalSize > 0 && keptBytes > policy.maxTotalSize && kept.length > 0) {
    const oldest = kept.shift() as StoredEntry;
    keptBytes -= oldest.size;
    evict.push(oldest);
  }
  return { evict, keptBytes, keptEntries: kept.length };
}

export interface EvictionResult extends EvictionPlan {
  freedBytes: number;
}

export async function evict(storage: CacheStorage, policy: EvictionPolicy, now = new Date()): Promise<EvictionResult> {
  const entries: StoredEntry[] = [];
  for await (const entry of storage.list()) entries.push(entry);
  const plan = planEviction(entries, policy, now);
  for (const entry of plan.evict) await storage.delete(entry.key);
  return { ...plan, freedBytes: plan.evict.reduce((sum, entry) => sum + entry.size, 0) };
}
