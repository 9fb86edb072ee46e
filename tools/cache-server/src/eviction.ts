import type { CacheStorage, StorageProblem, StoredEntry } from './storage/storage';

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
 * total, with the `uploadBytes` of uploads still being written, fits in maxTotalSize. "Age" is the
 * entry's date: its last hit on the fs backend (which records hits), the time it was stored on S3.
 * Pure, so the policy is tested without a store.
 */
export function planEviction(entries: StoredEntry[], policy: EvictionPolicy, now: Date, uploadBytes = 0): EvictionPlan {
  const oldestFirst = [...entries].sort(
    (a, b) => a.storedAt.getTime() - b.storedAt.getTime() || a.key.localeCompare(b.key),
  );
  const evict: StoredEntry[] = [];
  const kept: StoredEntry[] = [];
  for (const entry of oldestFirst) {
    if (policy.maxAge > 0 && now.getTime() - entry.storedAt.getTime() > policy.maxAge) evict.push(entry);
    else kept.push(entry);
  }
  let keptBytes = kept.reduce((sum, entry) => sum + entry.size, 0);
  while (policy.maxTotalSize > 0 && keptBytes + uploadBytes > policy.maxTotalSize && kept.length > 0) {
    const oldest = kept.shift() as StoredEntry;
    keptBytes -= oldest.size;
    evict.push(oldest);
  }
  return { evict, keptBytes, keptEntries: kept.length };
}

export interface EvictionResult extends EvictionPlan {
  freedBytes: number;
  /** Bytes of uploads still being written, counted toward maxTotalSize. */
  uploadBytes: number;
  /** Partial uploads of crashed or dropped uploads, deleted. */
  abandonedUploads: number;
  /** Paths that could not be read or deleted: skipped, so one bad folder never stops eviction. */
  problems: Array<{ path: string; error: string }>;
}

/** One sweep: abandoned uploads first, then the plan. Entries it cannot delete stay counted as kept. */
export async function evict(storage: CacheStorage, policy: EvictionPolicy, now = new Date()): Promise<EvictionResult> {
  const problems: EvictionResult['problems'] = [];
  const report = ({ path, error }: StorageProblem) => problems.push({ path, error: error.message });
  const uploads = (await storage.sweepUploads?.(report)) ?? { abandoned: 0, inProgressBytes: 0 };
  const entries: StoredEntry[] = [];
  for await (const entry of storage.list(report)) entries.push(entry);
  const plan = planEviction(entries, policy, now, uploads.inProgressBytes);
  const evicted: StoredEntry[] = [];
  let keptBytes = plan.keptBytes;
  for (const entry of plan.evict) {
    try {
      await storage.delete(entry.key);
      evicted.push(entry);
    } catch (error) {
      report({ path: entry.key, error: error as Error });
      keptBytes += entry.size;
    }
  }
  return {
    evict: evicted,
    keptBytes,
    keptEntries: plan.keptEntries + plan.evict.length - evicted.length,
    freedBytes: evicted.reduce((sum, entry) => sum + entry.size, 0),
    uploadBytes: uploads.inProgressBytes,
    abandonedUploads: uploads.abandoned,
    problems,
  };
}
