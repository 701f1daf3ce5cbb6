/** Workflow files and configs the end-to-end tests put in simulated repositories. */
import { workflowFile } from '../../src/demo/story.ts';

/** The standard workflows: build (input `target`), test, scan, deploy (input `environment`). */
export function standardWorkflows(): Record<string, string> {
  return {
    '.github/workflows/build.yml': workflowFile('build', { target: 'what to build' }, ['make']),
    '.github/workflows/test.yml': workflowFile('test', {}, ['make test']),
    '.github/workflows/scan.yml': workflowFile('scan', {}, ['make scan']),
    '.github/workflows/deploy.yml': workflowFile('deploy', { environment: 'where to deploy', deployment_id: 'GitHub deployment id' }, ['make deploy']),
  };
}

/** build → test + scan in parallel → deploy-staging (main only). */
export const DAG_CONFIG = `version: 1
pipelines:
  ci:
    on:
      push:
        branches: [main, 'feature/**']
        paths-ignore: ['docs/**']
      pull_request:
        branches: [main]
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
      test:
        needs: [build]
        jobs:
          unit: { workflow: test.yml }
      scan:
        needs: [build]
        jobs:
          sast: { workflow: scan.yml }
      deploy-staging:
        needs: [test, scan]
        if: \${{ shipgate.branch == 'main' }}
        jobs:
          deploy: { workflow: deploy.yml, inputs: { environment: staging } }
`;

/** One stage, one job. */
export const SINGLE_STAGE_CONFIG = `version: 1
pipelines:
  build:
    on:
      push: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
`;

/** build → test on pushes to main, with the given `concurrency` (none when absent). */
export function twoStageConfig(concurrency?: 'none' | 'queue' | 'cancel-in-progress'): string {
  return `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
${concurrency ? `    concurrency: ${concurrency}\n` : ''}    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
      test:
        needs: [build]
        jobs:
          unit: { workflow: test.yml }
`;
}
