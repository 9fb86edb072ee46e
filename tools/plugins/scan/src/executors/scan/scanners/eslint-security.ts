import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import type { Scanner } from './types';

interface EslintFileResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; severity: 1 | 2; message: string; line?: number; fatal?: boolean }>;
  source?: string;
}

/** The flat config the scan lints with: eslint-plugin-security's rules only, inline disables off. */
export const ESLINT_SECURITY_CONFIG = join(__dirname, '..', 'eslint-security.config.mjs');

/**
 * Severity per eslint-plugin-security rule. Rules the plugin's own README calls heuristic with many
 * false positives (object injection, non-literal fs paths and regexps) are low: reported, never grading.
 */
const SEVERITY: Record<string, Severity> = {
  'security/detect-bidi-characters': 'high',
  'security/detect-disable-mustache-escape': 'high',
  'security/detect-eval-with-expression': 'high',
  'security/detect-buffer-noassert': 'medium',
  'security/detect-child-process': 'medium',
  'security/detect-new-buffer': 'medium',
  'security/detect-no-csrf-before-method-override': 'medium',
  'security/detect-non-literal-require': 'medium',
  'security/detect-possible-timing-attacks': 'medium',
  'security/detect-pseudoRandomBytes': 'medium',
  'security/detect-unsafe-regex': 'medium',
  'security/detect-non-literal-fs-filename': 'low',
  'security/detect-non-literal-regexp': 'low',
  'security/detect-object-injection': 'low',
};

/** ESLint with eslint-plugin-security over a TypeScript/JavaScript project, JSON formatter. */
export const eslintSecurity: Scanner = {
  name: 'eslint-security',
  category: 'static analysis',
  appliesTo: ['npm'],
  invocation(context) {
    // ESLint is an npm devDependency of the workspace: node_modules/.bin, never PATH.
    const tool = join(context.workspaceRoot, 'node_modules', '.bin', 'eslint');
    if (!existsSync(tool)) return { notRun: 'eslint is not installed: run `npm run setup` (npm ci)' };
    const outputFile = join(context.rawDir, 'eslint-security.json');
    return {
      command: {
        label: 'eslint (security rules)',
        command: tool,
        args: [
          '--config',
          ESLINT_SECURITY_CONFIG,
          '--format',
          'json',
          '--output-file',
          outputFile,
          '--no-warn-ignored',
          // A project with no JavaScript or TypeScript (a contract, a fixture) has nothing to lint:
          // ESLint then reports zero files rather than failing as a crashed tool would.
          '--no-error-on-unmatched-pattern',
          ...context.exclude.flatMap((glob) => ['--ignore-pattern', glob]),
          context.projectRoot,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      // 0 = no errors, 1 = lint errors; 2 = ESLint itself failed (bad config, crash).
      okExitCodes: [0, 1],
    };
  },
  parse(output, context) {
    const results = JSON.parse(output) as EslintFileResult[];
    const findings: Finding[] = [];
    for (const result of results) {
      const file = result.filePath.startsWith(context.workspaceRoot)
        ? result.filePath.slice(context.workspaceRoot.length + 1)
        : result.filePath;
      const lines = (result.source ?? '').split('\n');
      for (const message of result.messages) {
        if (message.fatal) {
          findings.push({
            tool: 'eslint-security',
            ruleId: 'not-analysed',
            severity: 'medium',
            message: `ESLint could not parse this file, so it was not checked: ${message.message}`,
            file,
            line: message.line ?? 1,
            fingerprint: fingerprintOf('eslint-security', 'not-analysed', file),
          });
          continue;
        }
        if (!message.ruleId?.startsWith('security/')) continue;
        const line = message.line ?? 1;
        findings.push({
          tool: 'eslint-security',
          ruleId: message.ruleId,
          severity: SEVERITY[message.ruleId] ?? 'medium',
          message: message.message,
          file,
          line,
          fingerprint: fingerprintOf('eslint-security', message.ruleId, file, (lines[line - 1] ?? String(line)).trim()),
        });
      }
    }
    return { findings };
  },
};
