// Test cases for typescript.yml, run by `semgrep --test security/semgrep`: `ruleid:` marks a line
// the rule must flag, `ok:` one it must not.
import * as child_process from 'node:child_process';
import { execSync, spawn } from 'node:child_process';

// ruleid: ts-dangerously-set-inner-html
export const Unsafe = ({ html }: { html: string }) => <p dangerouslySetInnerHTML={{ __html: html }} />;
// ok: ts-dangerously-set-inner-html
export const Safe = ({ text }: { text: string }) => <p>{text}</p>;

export function render(el: HTMLElement, html: string): void {
  // ruleid: ts-inner-html-assignment
  el.innerHTML = html;
  // ok: ts-inner-html-assignment
  el.textContent = html;
}

export function dynamic(code: string): unknown {
  // ruleid: ts-eval-function-constructor
  eval(code);
  // ruleid: ts-eval-function-constructor
  return new Function(code);
}

export function run(command: string, args: string[]): void {
  // ruleid: ts-child-process-shell
  child_process.exec(command);
  // ruleid: ts-child-process-shell
  execSync(command);
  // ruleid: ts-child-process-shell
  spawn(command, args, { shell: true });
  // ok: ts-child-process-shell
  spawn(command, args, { stdio: 'inherit' });
}

export function notify(target: Window, message: unknown): void {
  // ruleid: ts-postmessage-wildcard-origin
  target.postMessage(message, '*');
  // ok: ts-postmessage-wildcard-origin
  target.postMessage(message, 'https://shop.example');
}

export const insecureAgent = {
  // ruleid: ts-tls-verification-disabled
  options: { rejectUnauthorized: false },
};

export function remember(token: string): void {
  // ruleid: ts-token-in-local-storage
  localStorage.setItem('access_token', token);
  // ok: ts-token-in-local-storage
  localStorage.setItem('theme', 'dark');
}
