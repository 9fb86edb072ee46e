/**
 * What a Containerfile says about itself to the `docker` target, in comment lines that engines
 * ignore:
 *
 *   # nx-pipeline: base BASE_IMAGE=python            build ARG <- local base image tools/base-images/python.packages
 *   # nx-pipeline: context python                   stage the locked Python dependencies as the context
 *   # nx-pipeline: context dist                     or: a folder of the project as the context
 *   # nx-pipeline: depends-on build                 run this project's target first (e.g. a Vite build)
 *   # nx-pipeline: depends-on web:build-widget      or another project's (project:target)
 *   # nx-pipeline: include apps/web/dist/w.js -> widget/w.js
 *                                                   copy a workspace file (another target's output) into
 *                                                   the staged python context, so one image can serve it
 *   # nx-pipeline: port 8000                        the port the image test publishes on loopback
 *   # nx-pipeline: ready /health                    GET until 200 before the smoke checks
 *   # nx-pipeline: smoke GET /health -> 200 "ok"    a request, the status it must get, text the body must hold
 *   # nx-pipeline: smoke POST /api {"a":1} -> 401   (a JSON body is sent as application/json)
 *   # nx-pipeline: exec pg_dump --version -> "15."  a command in the running container: exit 0, text in its output
 *   # nx-pipeline: env SECRET_KEY={random}          environment of the test run ({random}: a fresh token)
 *   # nx-pipeline: secrets-allow /opt/x/k.pem       an in-image path (glob) the secret scan skips
 *   # nx-pipeline: size-budget 250MB                the image test fails above it
 *
 * Keeping them in the Containerfile keeps an image and the checks of it in one reviewed file.
 */
export interface SmokeCheck {
  method: string;
  path: string;
  body?: string;
  status: number;
  contains?: string;
}

/** A command run in the running test container (`podman exec`: its user, its PATH): exit 0, and the text in its output. */
export interface ExecCheck {
  argv: string[];
  contains?: string;
}

export interface ImageTestOptions {
  port?: number;
  ready?: string;
  smoke?: SmokeCheck[];
  exec?: ExecCheck[];
  env?: Record<string, string>;
  maxSizeMb?: number;
  /** Globs of in-image paths the secret scan ignores (a package's own files that look like a secret). */
  secretsAllow?: string[];
}

export interface ContainerfileDirectives {
  baseImages: Record<string, string>;
  context?: string;
  dependsOn: string[];
  /** Workspace files copied into the staged context (`from` workspace-relative, `to` context-relative). */
  include: Array<{ from: string; to: string }>;
  test: ImageTestOptions;
}

export class ContainerfileDirectiveError extends Error {
  override name = 'ContainerfileDirectiveError';
}

const DIRECTIVE = /^#\s*nx-pipeline:\s*(\S+)\s*(.*)$/;
const SMOKE = /^([A-Z]+)\s+(\/\S*)(?:\s+(.+?))?\s+->\s+(\d{3})(?:\s+"(.*)")?$/;
const SIZE = /^(\d+(?:\.\d+)?)\s*(MB|MiB|GB|GiB)$/i;

export function parseContainerfileDirectives(text: string, file: string): ContainerfileDirectives {
  const result: ContainerfileDirectives = { baseImages: {}, dependsOn: [], include: [], test: {} };
  text.split('\n').forEach((raw, index) => {
    const match = DIRECTIVE.exec(raw.trim());
    if (!match) return;
    const [, key, value] = match;
    const where = `${file}:${index + 1}`;
    const fail = (expected: string): never => {
      throw new ContainerfileDirectiveError(
        `${where}: \`# nx-pipeline: ${key} ${value}\` is not valid: expected ${expected}.`,
      );
    };
    switch (key) {
      case 'base': {
        const base =
          /^([A-Za-z_][A-Za-z0-9_]*)=([a-z0-9][a-z0-9-]*)$/.exec(value) ??
          fail('`base ARG_NAME=<name of a tools/base-images/*.packages file>`');
        result.baseImages[base[1]] = base[2];
        break;
      }
      case 'context':
        result.context = /^[\w./-]+$/.test(value)
          ? value
          : fail('`context python` or `context <folder of the project>`');
        break;
      case 'depends-on':
        result.dependsOn.push(/^[\w:-]+$/.test(value) ? value : fail('`depends-on <target>`'));
        break;
      case 'include': {
        const include =
          /^(\S+)\s+->\s+(\S+)$/.exec(value) ?? fail('`include <workspace-relative file> -> <path in the context>`');
        const paths = [include[1], include[2]];
        if (paths.some((path) => !/^[\w./-]+$/.test(path) || path.startsWith('/') || path.split('/').includes('..'))) {
          fail('workspace-relative paths of letters, digits, ".", "_", "-" and "/", without ".."');
        }
        result.include.push({ from: include[1], to: include[2] });
        break;
      }
      case 'port': {
        const port = Number(value);
        result.test.port = Number.isInteger(port) && port > 0 && port < 65536 ? port : fail('a port number');
        break;
      }
      case 'ready':
        result.test.ready = value.startsWith('/') ? value : fail('a path such as /health');
        break;
      case 'smoke': {
        const smoke = SMOKE.exec(value) ?? fail('`smoke METHOD /path [body] -> STATUS ["text in the body"]`');
        result.test.smoke = [
          ...(result.test.smoke ?? []),
          {
            method: smoke[1],
            path: smoke[2],
            ...(smoke[3] !== undefined ? { body: smoke[3] } : {}),
            status: Number(smoke[4]),
            ...(smoke[5] !== undefined ? { contains: smoke[5] } : {}),
          },
        ];
        break;
      }
      case 'exec': {
        const arrow = value.indexOf(' -> ');
        const command = (arrow < 0 ? value : value.slice(0, arrow)).trim();
        const expected = arrow < 0 ? undefined : value.slice(arrow + 4).trim();
        if (!command || (expected !== undefined && !/^".*"$/.test(expected))) {
          fail('`exec <command> [args] [-> "text in its output"]`');
        }
        result.test.exec = [
          ...(result.test.exec ?? []),
          { argv: command.split(/\s+/), ...(expected !== undefined ? { contains: expected.slice(1, -1) } : {}) },
        ];
        break;
      }
      case 'env': {
        const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value) ?? fail('`env NAME=value`');
        result.test.env = { ...result.test.env, [env[1]]: env[2] };
        break;
      }
      case 'secrets-allow':
        result.test.secretsAllow = [
          ...(result.test.secretsAllow ?? []),
          /^\/\S+$/.test(value) ? value : fail('`secrets-allow <glob of absolute in-image paths>`'),
        ];
        break;
      case 'size-budget': {
        const size = SIZE.exec(value) ?? fail('a size such as 250MB or 1GB');
        const gb = /^g/i.test(size[2]);
        result.test.maxSizeMb = Number(size[1]) * (gb ? 1000 : 1);
        break;
      }
      default:
        throw new ContainerfileDirectiveError(
          `${where}: unknown directive \`${key}\`. Known: base, context, depends-on, include, port, ready, smoke, exec, env, secrets-allow, size-budget.`,
        );
    }
  });
  return result;
}
