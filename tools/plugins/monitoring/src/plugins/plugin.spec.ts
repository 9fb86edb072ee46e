import { rmSync } from 'node:fs';
import { inferenceContext, workspaceWith } from '../shared';
import { createNodesV2 } from './plugin';

describe('monitoring inference', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds a cached monitoring target to each project with monitoring/slo.yml, and no project without one', async () => {
    root = workspaceWith(
      {
        'apps/api/pyproject.toml': '[project]\nname = "api"\n',
        'apps/api/monitoring/slo.yml': 'service: api\n',
        'docs/examples/monitoring/slo.yml': 'service: example\n',
      },
      'nx-monitoring-infer-',
    );
    const [, createNodes] = createNodesV2;
    const results = await createNodes(
      ['apps/api/monitoring/slo.yml', 'docs/examples/monitoring/slo.yml'],
      {},
      inferenceContext(root),
    );
    expect(results).toMatchSnapshot();
  });
});
