import type { BudgetProxy } from '../budget-proxy';
import type { DastConfig, DastScannerName } from '../config';
import type { OpenApiDocument } from '../openapi';
import type { Parsed, ResolveOptions } from '../shared';

/** What an adapter found; `failed` is a tool that setup installs and that is missing or broken here. */
export type DastParsed = Parsed | { failed: string };

/** A built front end the crawler visits, served on loopback; `missing` says why it could not be. */
export interface ServedPages {
  name: string;
  url?: string;
  missing?: string;
}

/** Everything an adapter may need; adapters hold no state of their own. Each scanner gets a freshly started service. */
export interface DastContext {
  workspaceRoot: string;
  /** Workspace-relative. */
  projectRoot: string;
  projectName: string;
  /** How the scanners' tools are found: the real workspace's resolver, even for a fixture project. */
  tools: ResolveOptions;
  /** Absolute folder for the tools' raw outputs (beside the merged reports). */
  rawDir: string;
  config: DastConfig;
  /** The served OpenAPI document, as fetched once after sign-in. */
  openapi: OpenApiDocument;
  /** Sent on every request: the config's static headers and the signed-in admin token. */
  headers: Record<string, string>;
  pages: ServedPages[];
  /** Folder of the dast target's Python hooks for schemathesis (its extra checks). */
  hooksDir: string;
}

/**
 * One dynamic scanner behind one interface. `run` attacks the service only through `proxy` (its
 * budget: requests and seconds) and turns the tool's own report into Findings, or says why it did
 * not run. Argument building and report parsing are pure functions beside each adapter.
 */
export interface DastScanner {
  name: DastScannerName;
  /** What it checks, for the reports' Checks column. */
  checks: string;
  /** Why it cannot run on this machine, checked before a service is started for it. */
  unavailable?(context: DastConfig): Promise<string | undefined>;
  run(context: DastContext, proxy: BudgetProxy, log: (line: string) => void): Promise<DastParsed>;
}
