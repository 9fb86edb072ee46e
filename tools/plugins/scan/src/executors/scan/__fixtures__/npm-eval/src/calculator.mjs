// Seeded violation: eval of caller input. The inline disable below is ignored by the scan
// (its ESLint config sets noInlineConfig), because suppressions live only in the reviewed file.
// eslint-disable-next-line security/detect-eval-with-expression
export const calculate = (expression) => eval(expression);
