import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { expectAccessible } from './a11y';

// The three journeys share one seeded backend and run in order: the document uploaded in the first
// is the one the widget must cite in the second.
test.describe.configure({ mode: 'serial' });

const fixtures = join(import.meta.dirname, 'fixtures');
const admin = { email: 'admin@acme.test', password: process.env.SEED_ADMIN_PASSWORD ?? 'customercare-demo' };
/** The customer's site (scripts/serve-shop.mjs), on another origin than the API and the console. */
const shopUrl = process.env.E2E_SHOP_URL as string;
const unanswerable = 'What was the score of the 1923 chess olympiad final?';

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Knowledge base' })).toBeVisible();
}

/** Opens the plain HTML page that embeds widget.js with one <script> tag. */
async function openShop(page: Page) {
  await page.goto(shopUrl);
  const launcher = page.getByRole('button', { name: 'Chat with us' });
  await expect(launcher).toBeVisible();
  return launcher;
}

async function ask(page: Page, question: string) {
  await page.getByLabel('Your question').fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('log', { name: 'Conversation' }).getByText(question)).toBeVisible();
}

test('an admin signs in and uploads a document', async ({ page }) => {
  await signIn(page);
  await page.getByLabel('Upload a document').setInputFiles(join(fixtures, 'zephyr-warranty.md'));
  await page.getByRole('button', { name: 'Upload', exact: true }).click();

  await expect(page.getByRole('status').filter({ hasText: 'Uploaded zephyr-warranty.md.' })).toBeVisible();
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'zephyr-warranty.md' }) });
  await expect(row.getByText('Ready')).toBeVisible();
  await expectAccessible(page);
});

test('a customer asks the widget on a plain HTML page and gets an answer citing that document', async ({ page }) => {
  const launcher = await openShop(page);
  // The page's `button { display: none !important }` and magenta text must not reach the shadow root.
  await expect(launcher).not.toHaveCSS('color', 'rgb(255, 0, 255)');
  await launcher.click();
  await expect(page.getByRole('dialog', { name: 'Acme help chat' })).toBeVisible();

  await ask(page, 'How many years of warranty does a Zephyr kettle have?');

  const log = page.getByRole('log', { name: 'Conversation' });
  await expect(log).toContainText(/Assistant: Every Zephyr kettle comes with a seven-year warranty/);
  await expect(log.getByRole('list', { name: 'Sources' }).first()).toContainText('zephyr-warranty.md');
  await log.getByText('zephyr-warranty.md', { exact: true }).click();
  await expect(log.getByRole('group').getByText(/seven-year warranty against defects/)).toBeVisible();
  await expect(page.getByText('passed your question to our support team')).toHaveCount(0);
  // The widget only: the shop page's own (deliberately hostile) styles are not ours to fix.
  await expectAccessible(page, '[data-customercare-widget]');

  // The conversation outlives a page change on the customer's site (sessionStorage).
  await page.reload();
  await page.getByRole('button', { name: 'Chat with us' }).click();
  await expect(log).toContainText(/Assistant: Every Zephyr kettle comes with a seven-year warranty/);
});

test('an unanswerable question is escalated and listed as escalated in the console', async ({ page }) => {
  // Keyboard only: the launcher takes focus, Enter opens the chat into its text box, Enter sends.
  const launcher = await openShop(page);
  await launcher.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Your question')).toBeFocused();
  await page.keyboard.type(unanswerable);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('log', { name: 'Conversation' }).getByText(unanswerable)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'passed your question to our support team' })).toBeVisible();

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
  // The checkbox mirrors the URL (?escalated=true); React Router applies the change in a transition,
  // so the box shows checked a moment after the click. check() demands it at once and flaked on a
  // loaded machine; click, then wait for the state.
  const escalatedOnly = page.getByRole('checkbox', { name: 'Escalated only' });
  await escalatedOnly.click();
  await expect(escalatedOnly).toBeChecked();
  await expect(page).toHaveURL(/[?&]escalated=true\b/);
  const escalated = page.getByRole('list', { name: 'Escalated conversations' });
  await expect(escalated.getByRole('listitem')).toHaveCount(1);
  await escalated.getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Transcript' })).toBeVisible();
  await expect(page.getByText(unanswerable)).toBeVisible();
  await expect(page.getByText('Escalated')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page.getByRole('img', { name: /^Questions per day: \d+ questions/ })).toBeVisible();
  await expect(page.getByText(/Escalated: [1-9]\d* \(/)).toBeVisible();
  await expectAccessible(page);
});
