import type { ProviderName } from '../config';
import { cloudRunProvider } from './cloud-run';
import { kubernetesProvider } from './kubernetes';
import { localProvider } from './local';
import type { Provider } from './provider';
import { vercelProvider } from './vercel';

/** Every provider behind the one interface; the deploy config names one per environment. */
export const PROVIDERS: Record<ProviderName, Provider> = {
  local: localProvider,
  'cloud-run': cloudRunProvider,
  vercel: vercelProvider,
  kubernetes: kubernetesProvider,
};
