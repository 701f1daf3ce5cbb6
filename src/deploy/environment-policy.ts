/**
 * An environment's policy as a deployment request keeps it (SPEC §3, §6): read
 * from the default branch's config when the request is made, frozen in the
 * request's row, so every later decision about it (in the queue, on any
 * replica) uses the same rules.
 */
import type { Environment, Notifications } from '../repo-config/schema.ts';
import { readTargets, targetsFromConfig, type NotificationTargets } from '../notify/targets.ts';
import type { JsonObject } from '../store/schema/index.ts';

/** The frozen policy of one environment. */
export interface EnvironmentSnapshot {
  name: string;
  branches?: string[];
  after?: string;
  approvals: number;
  approvers: string[];
  /** Whether the requester may approve their own deployment. */
  allowSelfApproval: boolean;
  wait?: string;
  /** How long an approval request stays open, as a duration like `24h`; unset: it never expires. */
  approvalTimeout?: string;
  workflow?: string;
  inputs: Record<string, string | number | boolean>;
  url?: string;
  production: boolean;
  autoRollback: boolean;
  /** The repository's command prefix (`commands.prefix`), for the approval request comment's instructions. */
  commandPrefix?: string;
  /** Where the request's `deployment` and `approval-requested` go (the config's `notifications`). */
  notifications?: NotificationTargets;
}

/** The snapshot of environment `name` from the parsed config. */
export function snapshotEnvironment(name: string, environment: Environment, commandPrefix = '/', notifications?: Notifications): EnvironmentSnapshot {
  const targets = targetsFromConfig(notifications);
  return {
    name,
    ...(environment.branches !== undefined ? { branches: [...environment.branches] } : {}),
    ...(environment.after !== undefined ? { after: environment.after } : {}),
    approvals: environment.approvals,
    approvers: [...environment.approvers],
    allowSelfApproval: environment['allow-self-approval'],
    ...(environment.wait !== undefined ? { wait: environment.wait } : {}),
    ...(environment['approval-timeout'] !== undefined ? { approvalTimeout: environment['approval-timeout'] } : {}),
    ...(environment.workflow !== undefined ? { workflow: environment.workflow } : {}),
    inputs: { ...environment.inputs },
    ...(environment.url !== undefined ? { url: environment.url } : {}),
    production: environment.production ?? name === 'production',
    autoRollback: environment['auto-rollback'],
    commandPrefix,
    ...(targets ? { notifications: targets } : {}),
  };
}

/** Reads a stored snapshot back (rows are data: fields of the wrong type are dropped). */
export function readSnapshot(value: unknown, name: string): EnvironmentSnapshot {
  const raw = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const branches = strings(raw.branches);
  const after = text(raw.after);
  const wait = text(raw.wait);
  const approvalTimeout = text(raw.approvalTimeout);
  const commandPrefix = text(raw.commandPrefix);
  const workflow = text(raw.workflow);
  const url = text(raw.url);
  const notifications = readTargets(raw.notifications);
  const inputs: Record<string, string | number | boolean> = {};
  if (raw.inputs !== null && typeof raw.inputs === 'object') {
    for (const [key, v] of Object.entries(raw.inputs as Record<string, unknown>)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') inputs[key] = v;
  }
  return {
    name,
    ...(branches ? { branches } : {}),
    ...(after ? { after } : {}),
    approvals: typeof raw.approvals === 'number' ? raw.approvals : 0,
    approvers: strings(raw.approvers) ?? [],
    allowSelfApproval: raw.allowSelfApproval === true,
    ...(wait ? { wait } : {}),
    ...(approvalTimeout ? { approvalTimeout } : {}),
    ...(workflow ? { workflow } : {}),
    inputs,
    ...(url ? { url } : {}),
    production: raw.production === true,
    autoRollback: raw.autoRollback === true,
    ...(commandPrefix ? { commandPrefix } : {}),
    ...(notifications ? { notifications } : {}),
  };
}

/** The snapshot as the JSON column stores it. */
export function snapshotJson(snapshot: EnvironmentSnapshot): JsonObject {
  return { ...snapshot, inputs: { ...snapshot.inputs } } as JsonObject;
}
