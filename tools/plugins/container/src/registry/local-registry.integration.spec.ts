import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOk } from '@customercare/nx-core';
import { registryDigest, startLocalRegistry, type LocalRegistry } from './local-registry';

// The real crane: a registry on loopback, an image pushed to it, its digest read back.
describe('startLocalRegistry (crane registry serve)', () => {
  let work: string;
  let registry: LocalRegistry | undefined;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'local-registry-'));
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the OCI API on 127.0.0.1, reports what it serves, and is gone after stop', async () => {
    registry = await startLocalRegistry({ disk: join(work, 'blobs') });
    expect(registry.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await fetch(`http://${registry.address}/v2/`)).status).toBe(200);

    // A one-file layer on an empty base, pushed with crane append (which prints the pushed digest ref).
    writeFileSync(join(work, 'hello.txt'), 'hello\n');
    await captureOk(
      { label: 'tar', command: 'tar', args: ['--create', '--file', 'layer.tar', 'hello.txt'], cwd: work },
      '',
    );
    const ref = `${registry.address}/rehearsal/hello:1`;
    const pushed = (
      await captureOk(
        {
          label: 'crane append',
          command: 'crane',
          args: ['append', '--insecure', '--new_layer', 'layer.tar', '--new_tag', ref],
          cwd: work,
        },
        '',
      )
    ).trim();
    const digest = await registryDigest(ref, { insecure: true, cwd: work });
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed).toBe(`${registry.address}/rehearsal/hello@${digest}`);

    await registry.stop();
    await registry.stop();
    await expect(fetch(`http://${registry.address}/v2/`)).rejects.toThrow();
  });
});
