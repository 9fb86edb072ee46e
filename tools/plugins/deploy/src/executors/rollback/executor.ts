import type { ExecutorContext } from '@nx/devkit';
import { executeDeploy } from '../deploy/executor';
import type { RollbackExecutorSchema } from './schema';

/** `nx run <project>:rollback --environment=production [--to=v1.4.2]`: the deploy executor's manual rollback. */
export default async function rollbackExecutor(
  options: RollbackExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { to, ...rest } = options;
  const { success } = await executeDeploy({ options: rest, rollback: { to } }, context);
  return { success };
}
