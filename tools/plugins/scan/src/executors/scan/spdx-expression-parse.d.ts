// spdx-expression-parse ships no types; this is the shape its README documents.
declare module 'spdx-expression-parse' {
  type Expression =
    | { license: string; plus?: true; exception?: string }
    | { left: Expression; conjunction: 'and' | 'or'; right: Expression };
  function parse(expression: string): Expression;
  export = parse;
}
