import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { parseTokenSpec, type TokenGrant, type Scope } from './auth';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface S3Settings {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Serve HTTPS with these PEM files; undefined serves plain HTTP (loopback, or --insecure-http). */
  tls?: TlsFiles;
  storage: 'fs' | 's3';
  dir: string;
  s3?: S3Settings;
  tokens: TokenGrant[];
  /** Scope granted to requests without a token; undefined refuses them (the default). */
  anonymous?: Scope;
  maxEntrySize: number;
  /** 0 means no limit. */
  maxTotalSize: number;
  /** Milliseconds; 0 means entries never expire. */
  maxAge: number;
  /** Milliseconds between eviction sweeps; 0 disables the timer (sweeps still run at start-up). */
  evictInterval: number;
  logLevel: LogLevel;
  /** How GETs of fs entries are sent: see the option's help. */
  sendfile: 'auto' | 'on' | 'off';
  /** How fs uploads are made durable: see the option's help. */
  groupCommit: 'auto' | 'on' | 'off';
  /** Accepted but risky settings, logged at start. */
  warnings: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Option {
  env: string;
  default: string;
  help: string;
  /** A switch: the flag takes no value; the variable takes true/false. */
  boolean?: boolean;
  /** Only the environment variable is documented: the flag is refused (a secret on argv). */
  envOnly?: boolean;
}

/** Every option: flag name, environment variable, default and help line, in the order --help shows them. */
const OPTIONS = {
  host: {
    env: 'CACHE_SERVER_HOST',
    default: '127.0.0.1',
    help: 'Address to listen on. Another address than loopback needs --tls-cert/--tls-key\n(or --insecure-http behind a TLS proxy on another machine).',
  },
  port: { env: 'CACHE_SERVER_PORT', default: '3000', help: 'TCP port (0 picks a free one and logs it).' },
  'tls-cert': {
    env: 'CACHE_SERVER_TLS_CERT',
    default: '',
    help: 'PEM certificate (with its chain) to serve HTTPS. Read at start: restart after renewing it.',
  },
  'tls-key': { env: 'CACHE_SERVER_TLS_KEY', default: '', help: 'PEM private key of --tls-cert (keep it mode 600).' },
  'insecure-http': {
    env: 'CACHE_SERVER_INSECURE_HTTP',
    default: '',
    boolean: true,
    help: 'Serve plain HTTP on a network address: only behind a proxy on another machine that\nterminates TLS. Tokens and artifacts cross the network unencrypted up to it.',
  },
  storage: {
    env: 'CACHE_SERVER_STORAGE',
    default: 'fs',
    help: 'Storage backend: fs (a local folder) or s3 (any S3-compatible bucket).',
  },
  dir: {
    env: 'CACHE_SERVER_DIR',
    default: '.cache/nx-cache-server',
    help: 'Folder for the fs backend: empty, or one the server has marked as its own.',
  },
  's3-bucket': {
    env: 'CACHE_SERVER_S3_BUCKET',
    default: '',
    help: 'Bucket for the s3 backend (required with --storage s3).',
  },
  's3-prefix': {
    env: 'CACHE_SERVER_S3_PREFIX',
    default: '',
    help: 'Key prefix inside the bucket, e.g. "nx-cache/" (needed when the bucket holds other objects).',
  },
  's3-region': {
    env: 'CACHE_SERVER_S3_REGION',
    default: 'us-east-1',
    help: 'Bucket region (AWS_REGION is used when set).',
  },
  's3-endpoint': {
    env: 'CACHE_SERVER_S3_ENDPOINT',
    default: '',
    help: 'Endpoint of a non-AWS S3 service (MinIO, R2, Ceph...).',
  },
  's3-force-path-style': {
    env: 'CACHE_SERVER_S3_FORCE_PATH_STYLE',
    default: 'false',
    help: 'Address the bucket as a path (needed by most non-AWS services).',
  },
  token: {
    env: 'CACHE_SERVER_TOKENS',
    default: '',
    envOnly: true,
    help: 'Tokens as <scope>:<namespace>:<secret>, comma-separated. scope is "read" or\n"read-write". Example: read-write:main:$RW_TOKEN,read:main:$RO_TOKEN\nNever on the command line (the process list shows it to every user).',
  },
  'tokens-file': {
    env: 'CACHE_SERVER_TOKENS_FILE',
    default: '',
    help: 'JSON file (mode 600): [{"name": "ci-main", "token": "...", "scope": "read-write", "namespace": "main"}].',
  },
  anonymous: {
    env: 'CACHE_SERVER_ANONYMOUS',
    default: '',
    help: 'Scope for requests without a token ("read" or "read-write", namespace "default").\nUnset (the default): they get 401. For a single developer machine only.',
  },
  'max-entry-size': {
    env: 'CACHE_SERVER_MAX_ENTRY_SIZE',
    default: '1GiB',
    help: 'Largest artifact accepted (413 above it). Units: B, KB, MB, GB, KiB, MiB, GiB.',
  },
  'max-total-size': {
    env: 'CACHE_SERVER_MAX_TOTAL_SIZE',
    default: '50GiB',
    help: 'Evict entries when the store grows beyond this (0 = no limit): least recently\nused first with fs, oldest stored first with s3.',
  },
  'max-age': {
    env: 'CACHE_SERVER_MAX_AGE',
    default: '30d',
    help: 'Evict entries stored longer ago than this (0 = never). Units: s, m, h, d.',
  },
  'evict-interval': {
    env: 'CACHE_SERVER_EVICT_INTERVAL',
    default: '10m',
    help: 'Time between eviction sweeps (0 = only at start-up).',
  },
  sendfile: {
    env: 'CACHE_SERVER_SENDFILE',
    default: 'auto',
    help: 'How GETs of fs entries are sent: "auto" by sendfile(2) (page cache to socket, no copy\nthrough the process) when its addon is built (npm run setup builds it), "on" the same but\nrefuses to start without it, "off" always through user space. Plain HTTP only: TLS\nencrypts in the process.',
  },
  'group-commit': {
    env: 'CACHE_SERVER_GROUP_COMMIT',
    default: 'auto',
    help: 'How fs uploads reach the disk before they are linked into place: "auto" by group commit\n(one syncfs(2) of the folder\'s file system for every upload finished meanwhile, written\nback by the kernel\'s workers) when the native addon is built, "on" the same but refuses to\nstart without it, "off" one fdatasync(2) per upload. Use off when the folder shares its\nfile system with heavy writers: each sync writes their data back too.',
  },
  'log-level': {
    env: 'CACHE_SERVER_LOG_LEVEL',
    default: 'info',
    help: 'debug, info, warn, error or silent. Logs are JSON lines on stdout and never contain tokens.',
  },
} satisfies Record<string, Option>;

type OptionName = keyof typeof OPTIONS;

export function helpText(): string {
  const lines = [
    'cache-server: a self-hosted remote cache for Nx (NX_SELF_HOSTED_REMOTE_CACHE_SERVER).',
    '',
    'Usage: cache-server [options]',
    '',
    "Serves GET/PUT /v1/cache/{hash} (Nx's open remote cache API), GET /healthz and GET /metrics",
    '(Prometheus). Every option can also be set through the environment variable shown; a flag wins.',
    '',
    'Options:',
  ];
  for (const [name, option] of Object.entries(OPTIONS) as Array<[string, Option]>) {
    const [first, ...rest] = option.help.split('\n');
    const flag = option.envOnly ? `  env ${option.env}` : `  --${name}${option.boolean ? '' : ' <value>'}`;
    lines.push(`${flag.padEnd(32)}${first}`);
    for (const more of rest) lines.push(`${''.padEnd(32)}${more}`);
    if (!option.envOnly)
      lines.push(`${''.padEnd(32)}env ${option.env}${option.default ? `, default ${option.default}` : ''}`);
  }
  lines.push(`${'  -h, --help'.padEnd(32)}Show this help.`);
  lines.push(
    '',
    'Clients (Nx 20.8+):',
    '  NX_SELF_HOSTED_REMOTE_CACHE_SERVER=https://cache.internal:3000',
    '  NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=<secret>',
    '',
    'Give read-write tokens to trusted branches only (pushes to main) and read-only tokens to pull',
    'requests: a read-only token gets 403 on PUT, which Nx treats as "not stored" and carries on.',
    'S3 credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role).',
  );
  return lines.join('\n');
}

export function parseSize(text: string, option: string): number {
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    tb: 1e12,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
  };
  const match = /^([\d.]+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = (match?.[2] || 'b').toLowerCase();
  if (!match || !Number.isFinite(Number(match[1])) || !Object.hasOwn(units, unit)) {
    throw new ConfigError(`--${option} "${text}" is not a size. Use a number of bytes or a unit: 512MiB, 2GB, 0.`);
  }
  return Math.floor(Number(match[1]) * units[unit]);
}

export function parseDuration(text: string, option: string): number {
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 };
  const match = /^([\d.]+)\s*([a-z]*)$/.exec(text.trim());
  const unit = match?.[2] || 's';
  if (!match || !Number.isFinite(Number(match[1])) || !Object.hasOwn(units, unit)) {
    throw new ConfigError(
      `--${option} "${text}" is not a duration. Use a number with a unit: 90s, 10m, 12h, 30d, or 0.`,
    );
  }
  return Math.floor(Number(match[1]) * units[unit]);
}

function parseScope(text: string, option: string): Scope {
  if (text === 'read' || text === 'read-write') return text;
  throw new ConfigError(`--${option} "${text}" is not a scope. Use "read" or "read-write".`);
}

function readTokensFile(path: string): TokenGrant[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `Unable to read the tokens file ${path}: ${(error as Error).message}. It must be a JSON array of {name, token, scope, namespace}.`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new ConfigError(`The tokens file ${path} must hold a JSON array of {name, token, scope, namespace}.`);
  }
  return parsed.map((entry: Record<string, unknown>, index) => {
    const where = `${path}[${index}]`;
    if (typeof entry?.token !== 'string' || entry.token.length < 16) {
      throw new ConfigError(
        `${where}: "token" must be a string of at least 16 characters (e.g. \`openssl rand -hex 32\`).`,
      );
    }
    const namespace = typeof entry.namespace === 'string' ? entry.namespace : 'default';
    return parseTokenSpec(`${parseScope(String(entry.scope), 'tokens-file')}:${namespace}:${entry.token}`, {
      name: typeof entry.name === 'string' ? entry.name : `${where}`,
    });
  });
}

/** Reads flags (which win) and environment variables into a checked config. Throws ConfigError with the fix. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const options = Object.fromEntries(
    (Object.entries(OPTIONS) as Array<[string, Option]>).map(([name, option]) => [
      name,
      { type: option.boolean ? 'boolean' : 'string', multiple: name === 'token' },
    ]),
  ) as Record<OptionName, { type: 'string' | 'boolean'; multiple: boolean }>;
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run \`cache-server --help\` for the options.`);
  }
  const get = (name: OptionName): string => {
    const flag = values[name];
    if (typeof flag === 'string') return flag;
    return env[OPTIONS[name].env] ?? OPTIONS[name].default;
  };

  const enabled = (name: OptionName): boolean =>
    values[name] === true ||
    (values[name] === undefined && ['1', 'true', 'yes'].includes((env[OPTIONS[name].env] ?? '').toLowerCase()));
  const warnings: string[] = [];

  // Refused rather than warned about: the server runs for months, and for all that time any user of
  // the machine reads argv, while the warning sits in a log. Every process manager passes
  // environment variables and files (systemd EnvironmentFile/LoadCredential, Kubernetes secrets).
  if (values.token !== undefined) {
    throw new ConfigError(
      '--token puts the secret in the process list: any user of this machine can read it (ps, /proc/<pid>/cmdline) for as long ' +
        "as the server runs. Pass tokens in the environment (CACHE_SERVER_TOKENS='read-write:main:<secret>') or in a file " +
        '(--tokens-file tokens.json, mode 600).',
    );
  }

  const host = get('host');
  const certFile = get('tls-cert');
  const keyFile = get('tls-key');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      '--tls-cert and --tls-key go together: pass both (CACHE_SERVER_TLS_CERT, CACHE_SERVER_TLS_KEY) to serve HTTPS, or neither.',
    );
  }
  const tls = certFile ? { certFile, keyFile } : undefined;
  const insecureHttp = enabled('insecure-http');
  if (tls && insecureHttp) {
    throw new ConfigError(
      '--insecure-http and --tls-cert contradict each other: drop --insecure-http to serve HTTPS, or the TLS files to serve plain HTTP.',
    );
  }
  if (!tls && !isLoopback(host)) {
    if (!insecureHttp) {
      throw new ConfigError(
        `--host ${host} would serve bearer tokens and artifacts over plain HTTP to the network, where anyone on the path ` +
          'can read the tokens and plant artifacts. Pass --tls-cert <cert.pem> --tls-key <key.pem> to serve HTTPS, or listen ' +
          'on 127.0.0.1 behind a TLS reverse proxy on this machine; if a proxy on another machine terminates TLS, pass ' +
          '--insecure-http (CACHE_SERVER_INSECURE_HTTP=true).',
      );
    }
    warnings.push(
      `INSECURE: serving plain HTTP on ${host} (--insecure-http): bearer tokens and artifacts cross the network unencrypted up to ` +
        'the TLS proxy. Make sure one terminates TLS in front of this server, or pass --tls-cert and --tls-key.',
    );
  }

  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port "${get('port')}" is not a TCP port (0-65535).`);
  }
  const storage = get('storage');
  if (storage !== 'fs' && storage !== 's3') {
    throw new ConfigError(`--storage "${storage}" is not a backend. Use "fs" or "s3".`);
  }
  let s3: S3Settings | undefined;
  if (storage === 's3') {
    const bucket = get('s3-bucket');
    if (!bucket)
      throw new ConfigError('--storage s3 needs a bucket: pass --s3-bucket <name> or set CACHE_SERVER_S3_BUCKET.');
    s3 = {
      bucket,
      prefix: get('s3-prefix'),
      region:
        values['s3-region'] === undefined && !env.CACHE_SERVER_S3_REGION && env.AWS_REGION
          ? env.AWS_REGION
          : get('s3-region'),
      endpoint: get('s3-endpoint') || undefined,
      forcePathStyle: ['1', 'true', 'yes'].includes(get('s3-force-path-style').toLowerCase()),
    };
  }

  const tokenSpecs = (env.CACHE_SERVER_TOKENS ?? '')
    .split(/[,\n]/)
    .map((spec) => spec.trim())
    .filter(Boolean);
  const tokens = tokenSpecs.map((spec, index) => parseTokenSpec(spec, { name: `token-${index + 1}` }));
  const tokensFile = get('tokens-file');
  if (tokensFile) {
    tokens.push(...readTokensFile(tokensFile));
    // A warning, not a refusal: Kubernetes mounts secrets 0644 unless told otherwise.
    const mode = statSync(tokensFile).mode & 0o777;
    if (mode & 0o077)
      warnings.push(
        `The tokens file ${tokensFile} can be read by other users (mode ${mode.toString(8)}): chmod 600 ${tokensFile}.`,
      );
  }
  const anonymousText = get('anonymous');
  const anonymous = anonymousText ? parseScope(anonymousText, 'anonymous') : undefined;
  if (tokens.length === 0 && !anonymous) {
    throw new ConfigError(
      "No access tokens configured, so every request would get 401. Set CACHE_SERVER_TOKENS='read-write:main:<secret>' " +
        '(and a read token for pull requests), or pass --tokens-file, or --anonymous read-write for a single-user machine.',
    );
  }

  const logLevel = get('log-level');
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`--log-level "${logLevel}" is not a level. Use debug, info, warn, error or silent.`);
  }
  const sendfile = get('sendfile');
  if (sendfile !== 'auto' && sendfile !== 'on' && sendfile !== 'off') {
    throw new ConfigError(`--sendfile "${sendfile}" is not a choice. Use auto, on or off.`);
  }
  if (sendfile === 'on' && tls) {
    throw new ConfigError(
      '--sendfile on and --tls-cert contradict each other: TLS encrypts every byte in the process, so sendfile cannot ' +
        'serve HTTPS. Drop --sendfile on (auto uses it where it can), or terminate TLS in a proxy in front.',
    );
  }
  const groupCommit = get('group-commit');
  if (groupCommit !== 'auto' && groupCommit !== 'on' && groupCommit !== 'off') {
    throw new ConfigError(`--group-commit "${groupCommit}" is not a choice. Use auto, on or off.`);
  }
  if (groupCommit === 'on' && storage === 's3') {
    throw new ConfigError(
      '--group-commit on is for --storage fs: an S3 service makes its own writes durable. Drop --group-commit on, or ' +
        'store in a folder (--storage fs --dir <folder>).',
    );
  }
  return {
    host,
    port,
    tls,
    sendfile,
    groupCommit,
    storage,
    dir: get('dir'),
    s3,
    tokens,
    anonymous,
    maxEntrySize: parseSize(get('max-entry-size'), 'max-entry-size'),
    maxTotalSize: parseSize(get('max-total-size'), 'max-total-size'),
    maxAge: parseDuration(get('max-age'), 'max-age'),
    evictInterval: parseDuration(get('evict-interval'), 'evict-interval'),
    logLevel: logLevel as LogLevel,
    warnings,
  };
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\./i.test(host);
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
