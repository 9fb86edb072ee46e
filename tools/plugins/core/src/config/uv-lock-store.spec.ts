import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, readdirSync } from 'node:fs';
import { storedUvLockGraph } from './uv-lock-store';
import type { UvLockGraph } from './uv-lock';

const graph = (name: string): UvLockGraph => ({
  externalNodes: { [name]: { type: 'pypi', name, data: { packageName: name, version: '1.0', hash: 'h' } } },
  packageEdges: { [name]: [] },
  memberEdges: { 'apps/api': [name] },
  memberPackages: { 'apps/api': [name] },
});

const stored = () => readdirSync(workspaceDataDirectory).filter((file) => file.startsWith('customercare-uv-lock-'));

describe('storedUvLockGraph', () => {
  it('derives a lock graph once and serves it from the workspace data directory until the lock changes', () => {
    const lock = `spec-${process.pid}-${Date.now()}`;
    const before = stored();
    const derive = jest.fn(() => graph('pypi:first'));
    expect(storedUvLockGraph(lock, derive)).toEqual(graph('pypi:first'));
    expect(storedUvLockGraph(lock, () => graph('pypi:never'))).toEqual(graph('pypi:first'));
    expect(derive).toHaveBeenCalledTimes(1);
    const first = stored().filter((file) => !before.includes(file));
    expect(first).toHaveLength(1);

    // Another lock content: derived again, and the first lock's file removed.
    expect(storedUvLockGraph(`${lock}-changed`, () => graph('pypi:second'))).toEqual(graph('pypi:second'));
    expect(existsSync(`${workspaceDataDirectory}/${first[0]}`)).toBe(false);
  });
});
