/**
 * Checks of a config's structure that need only its ids: `needs` that name no
 * stage, cycles in `needs`, job ids used twice, gates on jobs that do not exist,
 * and the caps on stages and jobs per pipeline. They read the config leniently
 * (any value as parsed from YAML, or a parsed config), so `shipgate validate`
 * reports them together with schema errors instead of only after them. Pure.
 */
import type { UnplacedIssue } from './config-issue.ts';
import { createIssueReport, didYouMean, type ConfigPath, type IssueReport } from './issue-report.ts';
import { ID_PATTERN } from './schema-primitives.ts';

/**
 * Most stages in one pipeline. Every stage is a row of the `shipgate/<pipeline>`
 * check run, and 64 rows with job links stay well inside its 65,535-character
 * summary; a DAG deeper or wider than that is easier to read as several pipelines.
 */
export const MAX_STAGES_PER_PIPELINE = 64;
/**
 * Most jobs in one pipeline, over all its stages. Each job is one workflow
 * dispatch and one cell of the check run: 256 dispatches take over four minutes
 * at GitHub's one write a second per installation, and already exceed the
 * concurrent-job limit of every GitHub Actions plan but Enterprise (500).
 */
export const MAX_JOBS_PER_PIPELINE = 256;

interface StageShape {
  id: string;
  /** The entries of `needs` that are ids, with their index in the list. */
  needs: Array<{ need: string; index: number }>;
  jobs: string[];
}

interface PipelineShape {
  id: string;
  stages: StageShape[];
  gates: Array<{ index: number; job: string }>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);

/** The ids of every pipeline, stage, need, job and gate job that are there; anything malformed is left out (the schema reports it). */
function readPipelines(value: unknown): PipelineShape[] {
  const pipelines = isRecord(value) ? value['pipelines'] : undefined;
  if (!isRecord(pipelines)) return [];
  return Object.entries(pipelines).map(([id, pipeline]) => {
    const raw = isRecord(pipeline) ? pipeline : {};
    const stages = isRecord(raw['stages'])
      ? Object.entries(raw['stages']).map(([stageId, stage]): StageShape => {
          const fields = isRecord(stage) ? stage : {};
          const needs = Array.isArray(fields['needs']) ? fields['needs'].flatMap((need: unknown, index) => (isId(need) ? [{ need, index }] : [])) : [];
          return { id: stageId, needs, jobs: isRecord(fields['jobs']) ? Object.keys(fields['jobs']) : [] };
        })
      : [];
    const gates = Array.isArray(raw['gates'])
      ? raw['gates'].flatMap((gate: unknown, index) => (isRecord(gate) && isId(gate['job']) ? [{ index, job: gate['job'] }] : []))
      : [];
    return { id, stages, gates };
  });
}

/** The structure checks of a whole config, read leniently; errors only (they are never warnings). */
export function checkConfigStructure(value: unknown, report: IssueReport = createIssueReport()): UnplacedIssue[] {
  for (const pipeline of readPipelines(value)) {
    const base: ConfigPath = ['pipelines', pipeline.id];
    checkSize(pipeline, base, report);
    checkNeeds(pipeline, base, report);
    checkJobIds(pipeline, base, report);
    reportNeedsCycle(pipeline, base, report);
    checkGateJobs(pipeline, base, report);
  }
  return report.errors;
}

function checkSize(pipeline: PipelineShape, base: ConfigPath, report: IssueReport): void {
  const stages = pipeline.stages.length;
  const jobs = pipeline.stages.reduce((sum, stage) => sum + stage.jobs.length, 0);
  if (stages > MAX_STAGES_PER_PIPELINE) {
    report.error(
      [...base, 'stages'],
      'key',
      `pipeline "${pipeline.id}" has ${stages} stages; a pipeline may have at most ${MAX_STAGES_PER_PIPELINE}: split it into several pipelines`,
    );
  }
  if (jobs > MAX_JOBS_PER_PIPELINE) {
    report.error(
      [...base, 'stages'],
      'key',
      `pipeline "${pipeline.id}" has ${jobs} jobs across its stages; a pipeline may have at most ${MAX_JOBS_PER_PIPELINE}: split it into several pipelines`,
    );
  }
}

function checkNeeds(pipeline: PipelineShape, base: ConfigPath, report: IssueReport): void {
  const stageIds = pipeline.stages.map((stage) => stage.id);
  for (const stage of pipeline.stages) {
    for (const { need, index } of stage.needs) {
      if (stageIds.includes(need)) continue;
      report.error(
        [...base, 'stages', stage.id, 'needs', index],
        'value',
        `needs "${need}", which is not a stage of pipeline "${pipeline.id}" (stages: ${stageIds.join(', ')})`,
        didYouMean(need, stageIds),
      );
    }
  }
}

function checkJobIds(pipeline: PipelineShape, base: ConfigPath, report: IssueReport): void {
  const jobStages = new Map<string, string>();
  for (const stage of pipeline.stages) {
    for (const jobId of stage.jobs) {
      const firstStage = jobStages.get(jobId);
      if (firstStage === undefined) {
        jobStages.set(jobId, stage.id);
        continue;
      }
      report.error(
        [...base, 'stages', stage.id, 'jobs', jobId],
        'key',
        `job id "${jobId}" is already used in stage "${firstStage}"; job ids must be unique within a pipeline (gates and /retry name jobs by id)`,
      );
    }
  }
}

/** Reports one cycle in `needs`, named stage by stage, if there is any. */
function reportNeedsCycle(pipeline: PipelineShape, base: ConfigPath, report: IssueReport): void {
  const byId = new Map(pipeline.stages.map((stage) => [stage.id, stage]));
  const edges = (id: string) => (byId.get(id)?.needs ?? []).map(({ need }) => need).filter((need) => byId.has(need));
  // Kahn's algorithm: whatever cannot be ordered is on a cycle or behind one.
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of byId.keys()) {
    const needs = [...new Set(edges(id))];
    pending.set(id, needs.length);
    for (const need of needs) dependents.set(need, [...(dependents.get(need) ?? []), id]);
  }
  const ready = [...pending].filter(([, count]) => count === 0).map(([id]) => id);
  while (ready.length > 0) {
    const id = ready.pop() ?? '';
    pending.delete(id);
    for (const dependent of dependents.get(id) ?? []) {
      const count = (pending.get(dependent) ?? 0) - 1;
      pending.set(dependent, count);
      if (count === 0) ready.push(dependent);
    }
  }
  // Walk needs inside the unordered set until a stage repeats: that is a cycle.
  const [start] = pending.keys();
  if (start === undefined) return;
  const seen = new Map<string, number>();
  const walk: string[] = [];
  let current = start;
  while (!seen.has(current)) {
    seen.set(current, walk.length);
    walk.push(current);
    current = edges(current).find((need) => pending.has(need)) ?? current;
  }
  const cycle = walk.slice(seen.get(current) ?? 0);
  const [first] = cycle;
  if (first === undefined) return;
  const next = cycle[1] ?? first;
  const index = byId.get(first)?.needs.find(({ need }) => need === next)?.index ?? 0;
  report.error(
    [...base, 'stages', first, 'needs', index],
    'value',
    `stages depend on each other in a cycle: ${[...cycle, first].join(' → ')}; remove one of these needs`,
  );
}

function checkGateJobs(pipeline: PipelineShape, base: ConfigPath, report: IssueReport): void {
  const jobIds = pipeline.stages.flatMap((stage) => stage.jobs);
  for (const gate of pipeline.gates) {
    if (jobIds.includes(gate.job)) continue;
    report.error(
      [...base, 'gates', gate.index, 'job'],
      'value',
      `job "${gate.job}" is not a job of pipeline "${pipeline.id}"${jobIds.length > 0 ? ` (jobs: ${jobIds.join(', ')})` : ''}`,
      didYouMean(gate.job, jobIds),
    );
  }
}
