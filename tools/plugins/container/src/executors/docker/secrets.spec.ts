import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanFilesystem } from './secrets';

// Assembled at run time so that this file is not itself a finding for any scanner.
const KEY_HEADER = ['-----BEGIN', 'RSA PRIVATE', 'KEY-----'].join(' ');
const AWS_ID = ['AKIA', 'Z7QW3EXAMPLE4X2B'].join('');

describe('scanFilesystem', () => {
  let root: string;
  const file = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nx-secrets-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds credentials by content and by name, with the line', () => {
    file('app/config/deploy.pem', `comment\n${KEY_HEADER}\nMIIE\n`);
    file('app/settings.py', `AWS = "${AWS_ID}"\n`);
    file('app/.env', 'SECRET_KEY=x\n');
    file('root/.ssh/id_ed25519', 'whatever');
    file('app/.env.example', 'SECRET_KEY=\n');
    file('usr/lib/ok.py', 'print("hello")\n');
    expect(scanFilesystem(root).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/app/.env', rule: 'dotenv-file', line: 0 },
      { path: '/app/config/deploy.pem', rule: 'private-key', line: 2 },
      { path: '/app/settings.py', rule: 'aws-access-key-id', line: 1 },
      { path: '/root/.ssh/id_ed25519', rule: 'ssh-private-key', line: 0 },
    ]);
  });

  it('skips binaries, kernel mounts and allowed paths', () => {
    file('usr/lib/libx.so', Buffer.concat([Buffer.from(KEY_HEADER), Buffer.from([0, 1, 2])]));
    file('proc/1/environ', KEY_HEADER);
    file('usr/share/tests/test_key.pem', KEY_HEADER);
    expect(scanFilesystem(root, { allow: ['/usr/share/tests/**'] })).toEqual([]);
  });
});
