/** Workflow files and configs the end-to-end tests put in simulated repositories. */

/** A dispatchable workflow declaring `inputs`, named by its correlation id (SPEC §5 advice). */
export function workflowFile(name: string, inputs: string[] = []): string {
  const declared = ['shipgate_run', 'sha', ...inputs]
    .map((input) => `      ${input}:\n        description: ${input}\n        required: false\n        type: string`)
    .join('\n');
  return [
    `name: ${name}`,
    'run-name: ${{ inputs.shipgate_run }}',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    declared,
    'jobs:',
    `  ${name}:`,
    '    runs-on: ubuntu-latest',
    '    steps:',
    `      - run: echo ${name}`,
    '',
  ].join('\n');
}

/** The standard workflows: build (input `target`), test, scan, deploy (input `environment`). */
export function standardWorkflows(): Record<string, string> {
  return {
    '.github/workflows/build.yml': workflowFile('build', ['target']),
    '.github/workflows/test.yml': workflowFile('test'),
    '.github/workflows/scan.yml': workflowFile('scan'),
    '.github/workflows/deploy.yml': workflowFile('deploy', ['environment']),
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
