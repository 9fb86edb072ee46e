import { createHash } from 'node:crypto';
import { NAMESPACE_PATTERN } from './keys';

/** "read" may only GET; "read-write" may also PUT. Give read-write to trusted branches only. */
export type Scope = 'read' | 'read-write';

export interface TokenGrant {
  /** Shown in logs instead of the secret. */
  name: string;
  scope: Scope;
  /** Entries are stored and looked up under the token's namespace: tokens in one namespace share results. */
  namespace: string;
  /** sha256 of the secret; the secret itself is not kept. */
  digest: string;
}

export type Access = { ok: true; grant: Omit<TokenGrant, 'digest'> } | { ok: false; reason: string };

export const MIN_SECRET_LENGTH = 16;

function digestOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Parses "<scope>:<namespace>:<secret>" (the secret may itself contain colons). */
export function parseTokenSpec(spec: string, { name }: { name: string }): TokenGrant {
  const [scope, namespace, ...rest] = spec.split(':');
  const secret = rest.join(':');
  if (scope !== 'read' && scope !== 'read-write') {
    throw new Error(
      `Token ${name}: scope "${scope}" must be "read" or "read-write" (format <scope>:<namespace>:<secret>).`,
    );
  }
  if (!NAMESPACE_PATTERN.test(namespace ?? '')) {
    throw new Error(
      `Token ${name}: namespace "${namespace ?? ''}" must be 1-64 letters, digits, "_", "." or "-" (format <scope>:<namespace>:<secret>).`,
    );
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `Token ${name}: the secret must be at least ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -hex 32\`.`,
    );
  }
  return { name, scope, namespace, digest: digestOf(secret) };
}

/**
 * Maps bearer tokens to grants. Lookup is by sha256 digest, so the time taken does not depend on
 * how much of a guessed token matches a real one, and no secret stays in memory.
 */
export class TokenTable {
  private readonly byDigest = new Map<string, TokenGrant>();

  constructor(
    grants: TokenGrant[],
    private readonly anonymous?: Scope,
  ) {
    for (const grant of grants) {
      if (this.byDigest.has(grant.digest)) {
        throw new Error(
          `Tokens ${this.byDigest.get(grant.digest)?.name} and ${grant.name} have the same secret; give each its own.`,
        );
      }
      this.byDigest.set(grant.digest, grant);
    }
  }

  authorize(authorization: string | undefined): Access {
    if (!authorization) {
      if (this.anonymous)
        return { ok: true, grant: { name: 'anonymous', scope: this.anonymous, namespace: 'default' } };
      return { ok: false, reason: 'missing bearer token: set NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN' };
    }
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) return { ok: false, reason: 'the Authorization header must be "Bearer <token>"' };
    const grant = this.byDigest.get(digestOf(match[1]));
    if (!grant) return { ok: false, reason: 'unknown token: check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN' };
    return { ok: true, grant: { name: grant.name, scope: grant.scope, namespace: grant.namespace } };
  }
}
