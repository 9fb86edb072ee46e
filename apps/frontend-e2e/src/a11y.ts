import { expect, type Page } from '@playwright/test';
import type * as Axe from 'axe-core';
import { createRequire } from 'node:module';

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) in the page, over `selector` or the whole document, and
 * fails with one line per violation: rule, impact, what to fix and where. axe reads open shadow roots,
 * so the widget is checked inside its shadow DOM.
 */
export async function expectAccessible(page: Page, selector?: string) {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async (scope) => {
    const { axe } = window as unknown as { axe: typeof Axe };
    const result = await axe.run(scope ? { include: [[scope]] } : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
  }, selector);
  expect(violations, `accessibility violations on ${page.url()}${selector ? ` in ${selector}` : ''}`).toEqual([]);
}
