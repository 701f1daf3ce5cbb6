import type { ApprovalRequestTable } from './approval-requests.ts';
import type { ApprovalTable } from './approvals.ts';
import type { AuditLogTable } from './audit-log.ts';
import type { CheckRunTable } from './check-runs.ts';
import type { DeliveryTable } from './deliveries.ts';
import type { DeploymentEventTable, DeploymentTable } from './deployments.ts';
import type { EffectTable } from './effects.ts';
import type { ForkApprovalTable } from './fork-approvals.ts';
import type { GateBaselineTable, GateOverrideTable, GateResultTable } from './gate-results.ts';
import type { JobAttemptTable } from './job-attempts.ts';
import type { LockTable } from './locks.ts';
import type { PipelineRunTable } from './pipeline-runs.ts';
import type { StageRunTable } from './stage-runs.ts';
import type { WebhookRedeliveryScanTable, WebhookRedeliveryTable } from './webhook-redeliveries.ts';
import type { WorkflowDefinitionTable } from './workflow-definitions.ts';
import type { WriteSlotTable } from './write-slots.ts';

/** shipgate's database, table by table (each file documents its table). */
export interface Database {
  deliveries: DeliveryTable;
  pipeline_runs: PipelineRunTable;
  stage_runs: StageRunTable;
  job_attempts: JobAttemptTable;
  gate_results: GateResultTable;
  gate_overrides: GateOverrideTable;
  gate_baselines: GateBaselineTable;
  check_runs: CheckRunTable;
  deployments: DeploymentTable;
  deployment_events: DeploymentEventTable;
  approval_requests: ApprovalRequestTable;
  approvals: ApprovalTable;
  locks: LockTable;
  audit_log: AuditLogTable;
  workflow_definitions: WorkflowDefinitionTable;
  webhook_redeliveries: WebhookRedeliveryTable;
  webhook_redelivery_scans: WebhookRedeliveryScanTable;
  write_slots: WriteSlotTable;
  effects: EffectTable;
  fork_approvals: ForkApprovalTable;
}

export * from './approval-requests.ts';
export * from './approvals.ts';
export * from './audit-log.ts';
export * from './check-runs.ts';
export * from './columns.ts';
export * from './deliveries.ts';
export * from './deployments.ts';
export * from './effects.ts';
export * from './fork-approvals.ts';
export * from './gate-results.ts';
export * from './job-attempts.ts';
export * from './locks.ts';
export * from './pipeline-runs.ts';
export * from './stage-runs.ts';
export * from './webhook-redeliveries.ts';
export * from './workflow-definitions.ts';
export * from './write-slots.ts';
