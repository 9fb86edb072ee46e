/** What other plugins use from @customercare/nx-perf (`@customercare/nx-perf/lib`); the package's main is its inference only. */
/** The service lifecycle and scenario loading other plugins (dast, monitoring) start a service with. */
export { startService, type StartedService } from './src/executors/perf/service';
export { loadScenario, type ServiceSpec } from './src/executors/perf/scenario';
