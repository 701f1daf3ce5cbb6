/**
 * The Jenkins simulator's state and the life of a build, driven by the sim
 * clock: a queue item waits `queueMs`, leaves the queue as build #N (the job's
 * next number), runs `durationMs` and finishes with its scripted result, as
 * Jenkins does it. Left queue items are remembered for 5 minutes of clock time
 * (Jenkins's left-item cache), then forgotten (404).
 */
import type { Clock, TimerHandle } from '../clock.ts';

export type JenkinsSimResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT';

/** How one build of a job goes (consumed in order by the job's builds). */
export interface JenkinsBuildScript {
  /** Default SUCCESS. */
  result?: JenkinsSimResult;
  /** Time in the queue before the build starts (default 1000). */
  queueMs?: number;
  /** Time the build runs (default 10000). */
  durationMs?: number;
  /** Archived files by relativePath (`reports/junit.xml`), available once the build finished. */
  artifacts?: Record<string, string | Uint8Array>;
}

export interface JenkinsJobOptions {
  /** Declared parameter names (String parameters, default value ''). A job without any is not parameterised. */
  parameters?: string[];
  /** False: the user lacks Job/Build on this job, so triggering it answers 403 (default true). */
  canBuild?: boolean;
}

/** Jenkins's left-item cache keeps items this long after they left the queue. */
export const LEFT_ITEM_MEMORY_MS = 5 * 60_000;
const DEFAULT_QUEUE_MS = 1_000;
const DEFAULT_DURATION_MS = 10_000;

export interface SimFolder {
  kind: 'folder';
  path: string;
  name: string;
}

export interface SimJob {
  kind: 'job';
  path: string;
  name: string;
  parameters: string[];
  canBuild: boolean;
  nextBuildNumber: number;
  /** Oldest first. */
  builds: SimBuild[];
  scripts: JenkinsBuildScript[];
}

export interface SimQueueItem {
  id: number;
  job: SimJob;
  parameters: Record<string, string>;
  inQueueSince: number;
  /** When it left the queue (started or cancelled). */
  leftAt: number | undefined;
  cancelled: boolean;
  build: SimBuild | undefined;
  script: JenkinsBuildScript;
  timer: TimerHandle | undefined;
}

export interface SimBuild {
  job: SimJob;
  number: number;
  queueId: number;
  parameters: Record<string, string>;
  inQueueSince: number;
  timestamp: number;
  building: boolean;
  result: JenkinsSimResult | null;
  duration: number;
  /** Filled when the build finished (not when it was aborted). */
  artifacts: Map<string, Uint8Array>;
  script: JenkinsBuildScript;
  timer: TimerHandle | undefined;
}

export type JenkinsPhase = 'QUEUED' | 'STARTED' | 'COMPLETED' | 'FINALIZED';

/** What happened to a build, for the Notification plugin's posts. */
export type BuildEvent = (build: SimBuild, phase: JenkinsPhase) => void;

/** Every job, folder, queue item and build of one simulated Jenkins. */
export class JenkinsWorld {
  readonly clock: Clock;
  readonly #items = new Map<string, SimJob | SimFolder>();
  readonly #queue = new Map<number, SimQueueItem>();
  readonly #timers = new Set<TimerHandle>();
  readonly #onEvent: BuildEvent;
  #nextQueueId = 1;

  constructor(clock: Clock, onEvent: BuildEvent) {
    this.clock = clock;
    this.#onEvent = onEvent;
  }

  /** Creates a job (and the folders on its path). */
  createJob(path: string, options: JenkinsJobOptions = {}): SimJob {
    const names = path.split('/');
    if (names.some((name) => name === '' || name === '.' || name === '..')) throw new Error(`not a Jenkins job path: '${path}'`);
    for (let depth = 1; depth < names.length; depth++) {
      const folderPath = names.slice(0, depth).join('/');
      const existing = this.#items.get(folderPath);
      if (existing?.kind === 'job') throw new Error(`'${folderPath}' is a job, so '${path}' cannot be inside it`);
      if (!existing) this.#items.set(folderPath, { kind: 'folder', path: folderPath, name: names[depth - 1] ?? '' });
    }
    if (this.#items.has(path)) throw new Error(`Jenkins already has '${path}'`);
    const job: SimJob = {
      kind: 'job',
      path,
      name: names[names.length - 1] ?? path,
      parameters: [...(options.parameters ?? [])],
      canBuild: options.canBuild ?? true,
      nextBuildNumber: 1,
      builds: [],
      scripts: [],
    };
    this.#items.set(path, job);
    return job;
  }

  item(path: string): SimJob | SimFolder | undefined {
    return this.#items.get(path);
  }

  job(path: string): SimJob {
    const item = this.#items.get(path);
    if (item?.kind !== 'job') throw new Error(`the Jenkins simulator has no job '${path}'`);
    return item;
  }

  /** The direct children of a folder. */
  children(folder: string): Array<SimJob | SimFolder> {
    const prefix = `${folder}/`;
    return [...this.#items.values()].filter((item) => item.path.startsWith(prefix) && !item.path.slice(prefix.length).includes('/'));
  }

  build(path: string, number: number): SimBuild | undefined {
    const item = this.#items.get(path);
    return item?.kind === 'job' ? item.builds.find((build) => build.number === number) : undefined;
  }

  /**
   * `buildWithParameters`: declared parameters take the value sent or their
   * default (''); undeclared ones are dropped. A request identical to an item
   * still waiting is merged into it, as Jenkins's queue does.
   */
  enqueue(job: SimJob, sent: Record<string, string>): SimQueueItem {
    const parameters: Record<string, string> = {};
    for (const name of job.parameters) parameters[name] = sent[name] ?? '';
    const same = [...this.#queue.values()].find(
      (item) => item.job === job && item.leftAt === undefined && JSON.stringify(item.parameters) === JSON.stringify(parameters),
    );
    if (same) return same;
    const script = job.scripts.shift() ?? {};
    const item: SimQueueItem = {
      id: this.#nextQueueId++,
      job,
      parameters,
      inQueueSince: this.clock.now(),
      leftAt: undefined,
      cancelled: false,
      build: undefined,
      script,
      timer: undefined,
    };
    this.#queue.set(item.id, item);
    item.timer = this.#schedule(script.queueMs ?? DEFAULT_QUEUE_MS, () => this.#start(item));
    return item;
  }

  /** A queue item Jenkins still remembers (waiting, or left less than 5 minutes ago). */
  queueItem(id: number): SimQueueItem | undefined {
    const item = this.#queue.get(id);
    if (item?.leftAt !== undefined && this.clock.now() >= item.leftAt + LEFT_ITEM_MEMORY_MS) {
      this.#queue.delete(id);
      return undefined;
    }
    return item;
  }

  /** Every remembered queue item, oldest first. */
  queueItems(): SimQueueItem[] {
    return [...this.#queue.keys()].map((id) => this.queueItem(id)).filter((item): item is SimQueueItem => item !== undefined);
  }

  /** Items still waiting, as `GET /queue/api/json` lists them. */
  waiting(): SimQueueItem[] {
    return this.queueItems().filter((item) => item.leftAt === undefined);
  }

  /** Cancels a waiting item; false when it is not waiting (started, cancelled, forgotten, unknown). */
  cancel(id: number): boolean {
    const item = this.queueItem(id);
    if (!item || item.leftAt !== undefined) return false;
    this.#clear(item.timer);
    item.timer = undefined;
    item.cancelled = true;
    item.leftAt = this.clock.now();
    return true;
  }

  /** Aborts a running build (result ABORTED now); a finished build is left as it is. */
  abort(build: SimBuild): void {
    if (!build.building) return;
    this.#clear(build.timer);
    build.timer = undefined;
    this.#finish(build, 'ABORTED');
  }

  /** Cancels every pending timer. */
  close(): void {
    for (const timer of this.#timers) this.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #start(item: SimQueueItem): void {
    item.timer = undefined;
    const now = this.clock.now();
    const { job, script } = item;
    const build: SimBuild = {
      job,
      number: job.nextBuildNumber++,
      queueId: item.id,
      parameters: { ...item.parameters },
      inQueueSince: item.inQueueSince,
      timestamp: now,
      building: true,
      result: null,
      duration: 0,
      artifacts: new Map(),
      script,
      timer: undefined,
    };
    job.builds.push(build);
    item.build = build;
    item.leftAt = now;
    // The Notification plugin sends QUEUED when the build starts, right before STARTED.
    this.#onEvent(build, 'QUEUED');
    this.#onEvent(build, 'STARTED');
    build.timer = this.#schedule(script.durationMs ?? DEFAULT_DURATION_MS, () => {
      build.timer = undefined;
      this.#finish(build, script.result ?? 'SUCCESS');
    });
  }

  #finish(build: SimBuild, result: JenkinsSimResult): void {
    build.building = false;
    build.result = result;
    build.duration = this.clock.now() - build.timestamp;
    if (result !== 'ABORTED') {
      for (const [path, content] of Object.entries(build.script.artifacts ?? {})) {
        build.artifacts.set(path, typeof content === 'string' ? new TextEncoder().encode(content) : content);
      }
    }
    this.#onEvent(build, 'COMPLETED');
    this.#onEvent(build, 'FINALIZED');
  }

  #schedule(ms: number, fn: () => void): TimerHandle {
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  #clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    this.clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }
}
