// The ESLint config the scan target runs: eslint-plugin-security's recommended rules over
// TypeScript and JavaScript, and nothing else (style and correctness are the lint target's job).
// Inline `eslint-disable` comments are ignored so that suppressions live only in the reviewed
// suppressions file (security/suppressions.yaml).
import security from 'eslint-plugin-security';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/.nx/**'] },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
  },
  { files: ['**/*.{js,mjs,cjs,jsx,ts,tsx,mts,cts}'], ...security.configs.recommended },
  { linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' } },
];
