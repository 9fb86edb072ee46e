import type { ErrorObject } from 'ajv';

/**
 * Ajv's errors as the config loaders show them: one indented line each, with where (the JSON
 * pointer, or "(root)"), what, and the offending property or the allowed values when Ajv names them.
 */
export function schemaProblems(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const property = 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : '';
      const allowed = 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
      return `  - ${e.instancePath || '(root)'} ${e.message}${property}${allowed}`;
    })
    .join('\n');
}
