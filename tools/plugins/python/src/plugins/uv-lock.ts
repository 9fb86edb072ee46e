import {
  DependencyType,
  type CreateDependencies,
  type CreateNodesResultV2,
  type RawProjectGraphDependency,
} from '@nx/devkit';
import { readUvLockGraph, UV_LOCK, type InferenceKind } from '@customercare/nx-core/inference';

/** The root uv.lock's packages as external nodes (no project: the lock belongs to the workspace). */
export const uvLockKind: InferenceKind = {
  name: 'uv-lock',
  sources: [__filename],
  glob: UV_LOCK,
  async createNodes(files, _options, context): Promise<CreateNodesResultV2> {
    if (!files.includes(UV_LOCK)) return [];
    const graph = readUvLockGraph(context.workspaceRoot);
    return graph ? [[UV_LOCK, { externalNodes: graph.externalNodes }]] : [];
  },
};

/**
 * Edges from each Python project to the packages it depends on, and between packages. Projects
 * are matched to lock members by folder; members that are not Nx projects are skipped.
 */
export const createUvLockDependencies: CreateDependencies = (_options, context) => {
  const graph = readUvLockGraph(context.workspaceRoot);
  if (graph === undefined) return [];
  const known = context.externalNodes ?? {};
  const exists = (name: string) => name in known;
  const dependencies: RawProjectGraphDependency[] = [];
  for (const [name, project] of Object.entries(context.projects)) {
    const root = project.root === '' ? '.' : project.root;
    const pyproject = root === '.' ? 'pyproject.toml' : `${root}/pyproject.toml`;
    for (const target of (graph.memberEdges[root] ?? []).filter(exists)) {
      dependencies.push({ source: name, target, type: DependencyType.static, sourceFile: pyproject });
    }
  }
  for (const [source, targets] of Object.entries(graph.packageEdges)) {
    if (!exists(source)) continue;
    for (const target of targets.filter(exists)) dependencies.push({ source, target, type: DependencyType.static });
  }
  return dependencies;
};
