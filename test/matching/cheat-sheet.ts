/**
 * Every row of the two tables of GitHub's "Filter pattern cheat sheet" (workflow
 * syntax for GitHub Actions). `matches` are the documented example matches;
 * `doesNotMatch` are derived from each row's description. Shared by the pattern
 * tests and the `shipgate plan` tests.
 */
export interface CheatSheetRow {
  /** The filter list as it would be written in the config, in order. */
  patterns: string[];
  /** The row's description, paraphrased. */
  description: string;
  matches: string[];
  doesNotMatch: string[];
}

/** "Patterns to match branches and tags". */
export const BRANCH_AND_TAG_ROWS: CheatSheetRow[] = [
  {
    patterns: ['feature/*'],
    description: '* matches any character but not /',
    matches: ['feature/my-branch', 'feature/your-branch'],
    doesNotMatch: ['feature/beta-a/my-branch', 'features/my-branch', 'main', 'my-feature/x'],
  },
  {
    patterns: ['feature/**'],
    description: '** matches any character including /',
    matches: ['feature/beta-a/my-branch', 'feature/your-branch', 'feature/mona/the/octocat'],
    doesNotMatch: ['feature', 'main', 'my-feature/x', 'features/x'],
  },
  {
    patterns: ['main', 'releases/mona-the-octocat'],
    description: 'exact branch or tag names',
    matches: ['main', 'releases/mona-the-octocat'],
    doesNotMatch: ['main2', 'mai', 'Main', 'releases/mona-the-octocat/x', 'releases/mona'],
  },
  {
    patterns: ['*'],
    description: 'all names without a /',
    matches: ['main', 'releases'],
    doesNotMatch: ['releases/v1', 'all/the/branches'],
  },
  {
    patterns: ['**'],
    description: 'all names (the default without a filter)',
    matches: ['all/the/branches', 'every/tag', 'main'],
    doesNotMatch: [],
  },
  {
    patterns: ['*feature'],
    description: 'names ending in feature, without a /',
    matches: ['mona-feature', 'feature', 'ver-10-feature'],
    doesNotMatch: ['feature-x', 'mona/feature', 'feature/x'],
  },
  {
    patterns: ['v2*'],
    description: 'names starting with v2',
    matches: ['v2', 'v2.0', 'v2.9'],
    doesNotMatch: ['v1', 'v3.0', 'V2', 'v2/x', 'xv2'],
  },
  {
    patterns: ['v[12].[0-9]+.[0-9]+'],
    description: 'semantic versions with major version 1 or 2',
    matches: ['v1.10.1', 'v2.0.0'],
    doesNotMatch: ['v3.0.0', 'v12.0.0', 'v1.x.0', 'v1.10', 'v1..1', 'v1.0.0-rc1'],
  },
];

/** "Patterns to match file paths". */
export const PATH_ROWS: CheatSheetRow[] = [
  {
    patterns: ['*'],
    description: '* matches any character but not /',
    matches: ['README.md', 'server.rb'],
    doesNotMatch: ['docs/file.txt', 'all/the/files.md'],
  },
  {
    patterns: ['*.jsx?'],
    description: '? matches zero or one of the preceding character',
    matches: ['page.js', 'page.jsx'],
    doesNotMatch: ['page.jsxx', 'page.ts', 'src/page.js', 'page.j'],
  },
  {
    patterns: ['**'],
    description: '** matches any character including / (the default)',
    matches: ['all/the/files.md', 'README.md'],
    doesNotMatch: [],
  },
  {
    patterns: ['*.js'],
    description: 'all .js files at the root of the repository',
    matches: ['app.js', 'index.js'],
    doesNotMatch: ['js/index.js', 'app.jsx', 'app.ts'],
  },
  {
    patterns: ['**.js'],
    description: 'all .js files in the repository',
    matches: ['index.js', 'js/index.js', 'src/js/app.js'],
    doesNotMatch: ['index.jsx', 'js/index.ts'],
  },
  {
    patterns: ['docs/*'],
    description: 'files at the root of the docs directory only',
    matches: ['docs/README.md', 'docs/file.txt'],
    doesNotMatch: ['docs/mona/octocat.txt', 'README.md', 'src/docs/file.md'],
  },
  {
    patterns: ['docs/**'],
    description: 'any file in the docs directory and its subdirectories',
    matches: ['docs/README.md', 'docs/mona/octocat.txt'],
    doesNotMatch: ['README.md', 'src/docs/file.md', 'documentation/file.md'],
  },
  {
    patterns: ['docs/**/*.md'],
    description: 'a .md file anywhere in the docs directory',
    matches: ['docs/README.md', 'docs/mona/hello-world.md', 'docs/a/markdown/file.md'],
    doesNotMatch: ['docs/a/file.txt', 'README.md', 'src/docs/file.md'],
  },
  {
    patterns: ['**/docs/**'],
    description: 'any file in a docs directory anywhere',
    matches: ['docs/hello.md', 'dir/docs/my-file.txt', 'space/docs/plan/space.doc'],
    doesNotMatch: ['mydocs/file.md', 'docs.md', 'dir/documents/file.txt'],
  },
  {
    patterns: ['**/README.md'],
    description: 'a README.md anywhere',
    matches: ['README.md', 'js/README.md'],
    doesNotMatch: ['README.md.bak', 'js/README.mdx', 'xREADME.md', 'js/my-README.md'],
  },
  {
    patterns: ['**/*src/**'],
    description: 'any file in a folder with a src suffix anywhere',
    matches: ['a/src/app.js', 'my-src/code/js/app.js'],
    doesNotMatch: ['a/source/app.js', 'src-code/app.js', 'src.js'],
  },
  {
    patterns: ['**/*-post.md'],
    description: 'a file with the suffix -post.md anywhere',
    matches: ['my-post.md', 'path/their-post.md'],
    doesNotMatch: ['my-post.mdx', 'post.md', 'path/post.md'],
  },
  {
    patterns: ['**/migrate-*.sql'],
    description: 'a file with the prefix migrate- and suffix .sql anywhere',
    matches: ['migrate-10909.sql', 'db/migrate-v1.0.sql', 'db/sept/migrate-v1.sql'],
    doesNotMatch: ['migrate.sql', 'db/migrate-v1.sql.bak', 'db/migrate-1/x.sql', 'db/premigrate-1.sql'],
  },
  {
    patterns: ['*.md', '!README.md'],
    description: 'a later negative pattern excludes a file matched before',
    matches: ['hello.md'],
    doesNotMatch: ['README.md', 'docs/hello.md'],
  },
  {
    patterns: ['*.md', '!README.md', 'README*'],
    description: 'patterns are checked in order; a later positive pattern re-includes',
    matches: ['hello.md', 'README.md', 'README.doc'],
    doesNotMatch: ['docs/hello.md', 'docs/README.md'],
  },
];
