import type { PerfSummary, Sample } from '../recorder';
import type { Phase, Scenario } from '../scenario';

/** What an engine is given: the scenario with its profile and target resolved, and where to put things. */
export interface EngineRun {
  scenario: Scenario & { target: string };
  /** The phases to send: the profile's, or the warm-up's. */
  phases: Phase[];
  /** Called once per request, in any order. */
  record(sample: Sample): void;
  /** Aborted at the run's deadline or on Ctrl-C: stop sending and return what was measured. */
  signal: AbortSignal;
  /** A folder for the engine's own files (generated scripts, raw output). */
  workDirectory: string;
  workspaceRoot: string;
  /** Hosts besides loopback the run may reach (the target's `allowHosts`): no request or redirect goes elsewhere. */
  allowHosts?: readonly string[];
  log(message: string): void;
}

export type EngineOutcome =
  /** `summary` is set by an engine that keeps its own statistics instead of reporting samples. */
  | { ran: true; engine: string; version: string; summary?: PerfSummary }
  | { ran: false; engine: string; reason: string };

/**
 * A load engine: sends a scenario's requests in the open model (each request at its scheduled
 * time, latency counted from that time) and reports every request as a Sample. Every engine gets
 * the same scenario and feeds the same recorder, so reports and gates are engine-independent.
 */
export interface Engine {
  name: string;
  /** Seconds the engine itself needs to start and finish, added to the run's deadline. */
  overheadS?: number;
  /** Why the engine cannot run here ("not run: ... is not installed"), checked before any service starts. */
  unavailable?(workspaceRoot: string): string | undefined;
  run(run: EngineRun): Promise<EngineOutcome>;
}
