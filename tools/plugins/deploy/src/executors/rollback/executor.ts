import type { ExecutorContext } from '@nx/devkit';
import { dryRun, prepare, rollback } from '../deploy/executor';
import type { RollbackExecutorSchema } from './schema';

/**
 * `nx run <project>:rollback --environment=production [--to=v1.4.2]`: the one way to roll back by
 * hand (the deploy target rolls back on its own only when its checks fail).
 */
export default async function rollbackExecutor(
  options: RollbackExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const prepared = prepare(options, context, 'rollback');
  if (options.dryRun) return dryRun(prepared, { rollbackTo: options.to });
  const { success } = await rollback(prepared, options.to);
  return { success };
}
