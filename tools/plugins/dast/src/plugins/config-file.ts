/** The DAST config beside a service's perf folder (its own module: inference reads the name without the executor's code). */
export const DAST_CONFIG_FILE = 'dast.yml';
