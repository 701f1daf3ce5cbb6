/** The shipgate.yml the provider end-to-end tests put in acme/api. */

/**
 * One pipeline `ci` on pushes to main, with one stage `verify` holding `jobs`
 * (lines of its `jobs:` map, e.g. `remote: { jenkins: { job: platform/legacy } }`).
 */
export function verifyPipeline(...jobs: string[]): string {
  return `version: 1
pipelines:
  ci:
    on: { push: { branches: [main] } }
    stages:
      verify:
        jobs:
${jobs.map((job) => `          ${job}`).join('\n')}
`;
}
