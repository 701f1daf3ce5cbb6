/**
 * The stories `shipgate demo` can play (`--story NAME`), each in a sentence,
 * so the option's help and the error for a name it does not know list the
 * same ones.
 */

/** The story names, the default first. */
export const DEMO_STORY_NAMES = ['release', 'providers'] as const;
export type DemoStoryName = (typeof DEMO_STORY_NAMES)[number];

/** What `shipgate demo` plays without `--story`. */
export const DEFAULT_DEMO_STORY: DemoStoryName = 'release';

/** What each story shows, as the help and the error list it. */
export const DEMO_STORIES: Readonly<Record<DemoStoryName, string>> = {
  release: 'a push through build, test + scan, gates and deploy-staging; a pull request fixed with /retry; a production release with approvals, a lock and a rollback',
  providers: 'one pipeline on GitHub Actions, Jenkins and GitLab CI: an UNSTABLE Jenkins build retried automatically, a gate on its archived JUnit report, a GitLab pipeline followed by its hooks, then deploy-staging',
};

/** Whether `name` is a story `shipgate demo` can play. */
export function isDemoStoryName(name: string): name is DemoStoryName {
  return (DEMO_STORY_NAMES as readonly string[]).includes(name);
}

/** One line per story, `  name  what it shows`, the default marked: for the error that lists them. */
export function formatStoryList(): string[] {
  const width = Math.max(...DEMO_STORY_NAMES.map((name) => name.length));
  return DEMO_STORY_NAMES.map((name) => `  ${name.padEnd(width)}  ${DEMO_STORIES[name]}${name === DEFAULT_DEMO_STORY ? ' (the default)' : ''}`);
}
