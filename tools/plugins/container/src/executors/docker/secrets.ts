import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minimatch } from 'minimatch';

export interface SecretFinding {
  /** Path inside the image, e.g. /app/.env */
  path: string;
  rule: string;
  line: number;
}

interface ContentRule {
  id: string;
  pattern: RegExp;
}

/** Credentials whose shape alone gives them away. Fed text only; each match is reported, never printed. */
export const CONTENT_RULES: ContentRule[] = [
  { id: 'private-key', pattern: /-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/ },
  { id: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { id: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { id: 'slack-token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { id: 'npm-token', pattern: /\/\/[^\s:]+\/:_authToken=\S+/ },
  { id: 'pypi-token', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/ },
];

/** Files that are credentials by their name, whatever they hold. */
export const NAME_RULES: Array<{ id: string; glob: string }> = [
  { id: 'dotenv-file', glob: '**/.env' },
  { id: 'dotenv-file', glob: '**/.env.!(example|sample|template)' },
  { id: 'ssh-private-key', glob: '**/id_{rsa,dsa,ecdsa,ed25519}' },
  { id: 'netrc', glob: '**/.netrc' },
  { id: 'pypirc', glob: '**/.pypirc' },
  { id: 'aws-credentials', glob: '**/.aws/credentials' },
  { id: 'docker-auth', glob: '**/.docker/config.json' },
];

/** Never scanned: kernel-provided mounts and the package manager's own state. */
const SKIP_DIRS = new Set(['proc', 'sys', 'dev']);
const MAX_BYTES = 1024 * 1024;

export interface ScanOptions {
  /** Globs of in-image paths (e.g. /usr/lib/python3/** /test_*.pem) to ignore, each with a reason in the target's config. */
  allow?: string[];
}

/** Walks an exported image filesystem and returns every credential-looking file in it. */
export function scanFilesystem(rootfs: string, options: ScanOptions = {}): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const allowed = (path: string) => (options.allow ?? []).some((glob) => minimatch(path, glob, { dot: true }));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = `/${relative(rootfs, full)}`;
      if (entry.isDirectory()) {
        if (dir === rootfs && SKIP_DIRS.has(entry.name)) continue;
        walk(full);
        continue;
      }
      if (!entry.isFile() || allowed(path)) continue;
      for (const rule of NAME_RULES) {
        if (minimatch(path, rule.glob, { dot: true })) findings.push({ path, rule: rule.id, line: 0 });
      }
      const text = readTextHead(full);
      if (text === null) continue;
      const lines = text.split('\n');
      for (const rule of CONTENT_RULES) {
        const index = lines.findIndex((line) => rule.pattern.test(line));
        if (index >= 0) findings.push({ path, rule: rule.id, line: index + 1 });
      }
    }
  };
  walk(rootfs);
  return findings;
}

/** The first megabyte of a file as text, or null for binaries (a NUL byte in it) and empty files. */
function readTextHead(path: string): string | null {
  const size = lstatSync(path).size;
  if (size === 0) return null;
  const buffer = Buffer.alloc(Math.min(size, MAX_BYTES));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  return buffer.includes(0) ? null : buffer.toString('utf8');
}
