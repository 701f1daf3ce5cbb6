import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator;
let clock: ManualClock;
afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

async function setup() {
  ({ sim, clock } = await startTestSimulator());
  seedAcme(sim);
  return { octokit: installationOctokit(sim, 'acme'), sha: sim.refSha('acme/api', 'main') ?? '' };
}

const repo = { owner: 'acme', repo: 'api' } as const;

describe('commit comments', () => {
  it('creates a comment on a commit in GitHub’s shape, with a Location and the full sha for a short one', async () => {
    const { octokit, sha } = await setup();
    const created = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'Approval needed for production' });
    expect(created.status).toBe(201);
    const comment = created.data;
    expect(comment).toMatchObject({
      url: `${sim.baseUrl}/repos/acme/api/comments/${comment.id}`,
      html_url: `${sim.url}/acme/api/commit/${sha}#commitcomment-${comment.id}`,
      body: 'Approval needed for production',
      commit_id: sha,
      path: null,
      position: null,
      line: null,
      user: { login: 'shipgate[bot]', type: 'Bot' },
      author_association: 'NONE',
      created_at: '2026-01-01T12:00:00Z',
      updated_at: '2026-01-01T12:00:00Z',
      reactions: { url: `${sim.baseUrl}/repos/acme/api/comments/${comment.id}/reactions`, total_count: 0, '+1': 0 },
    });
    expect(created.headers.location).toBe(`${sim.baseUrl}/repos/acme/api/comments/${comment.id}`);

    const short = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha.slice(0, 7), body: 'on a file', path: 'README.md', position: 1 });
    expect(short.data).toMatchObject({ commit_id: sha, path: 'README.md', position: 1, line: null });
    expect(sim.commitComments('acme/api', sha).map((c) => c.body)).toEqual(['Approval needed for production', 'on a file']);
  });

  it('refuses a comment on a sha the repository does not have (422), and lists none for it (404)', async () => {
    const { octokit, sha } = await setup();
    const missing = 'f'.repeat(40);
    await expect(octokit.rest.repos.createCommitComment({ ...repo, commit_sha: missing, body: 'x' })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: `No commit found for SHA: ${missing}` } },
    });
    // A branch name is not a commit sha.
    await expect(octokit.rest.repos.createCommitComment({ ...repo, commit_sha: 'main', body: 'x' })).rejects.toMatchObject({ status: 422 });
    // A commit of another repository (not in this one's network).
    sim.repo({ owner: 'acme', name: 'web', files: { 'index.html': '<p>web</p>\n' } });
    const foreign = sim.refSha('acme/web', 'main') ?? '';
    expect(foreign).not.toBe(sha);
    await expect(octokit.rest.repos.createCommitComment({ ...repo, commit_sha: foreign, body: 'x' })).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.repos.listCommentsForCommit({ ...repo, commit_sha: missing })).rejects.toMatchObject({ status: 404 });
    expect(sim.commitComments('acme/api', sha)).toEqual([]);

    // The known sha is fine, and its list is empty until someone comments.
    expect((await octokit.rest.repos.listCommentsForCommit({ ...repo, commit_sha: sha })).data).toEqual([]);
  });

  it('lists a commit’s comments (paginated) apart from other commits’, and the repository’s all together', async () => {
    const { octokit, sha: first } = await setup();
    const second = sim.push({ repo: 'acme/api', files: { 'b.txt': 'b\n' } }).commits[0]?.sha ?? '';
    for (let i = 1; i <= 3; i++) await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: first, body: `first ${i}` });
    sim.commentOnCommit({ repo: 'acme/api', sha: second, body: 'on second', author: 'alice' });

    const page1 = await octokit.rest.repos.listCommentsForCommit({ ...repo, commit_sha: first, per_page: 2 });
    expect(page1.data.map((c) => c.body)).toEqual(['first 1', 'first 2']);
    expect(page1.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.repos.listCommentsForCommit, { ...repo, commit_sha: first, per_page: 2 });
    expect(all.map((c) => c.body)).toEqual(['first 1', 'first 2', 'first 3']);
    const onSecond = await octokit.rest.repos.listCommentsForCommit({ ...repo, commit_sha: second });
    expect(onSecond.data).toMatchObject([{ body: 'on second', user: { login: 'alice' }, author_association: 'MEMBER', commit_id: second }]);
    const everything = await octokit.rest.repos.listCommitCommentsForRepo(repo);
    expect(everything.data.map((c) => c.body)).toEqual(['first 1', 'first 2', 'first 3', 'on second']);
    // The accessor resolves a ref now: main is at the second commit.
    expect(sim.commitComments('acme/api', 'main').map((c) => c.body)).toEqual(['on second']);
  });

  it('edits and deletes its own comment; the accessor shows the current body', async () => {
    const { octokit, sha } = await setup();
    const { data: comment } = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'Waiting for approval' });
    clock.advance(60_000);
    const { data: edited } = await octokit.rest.repos.updateCommitComment({ ...repo, comment_id: comment.id, body: 'Approved by @alice' });
    expect(edited).toMatchObject({ id: comment.id, body: 'Approved by @alice', created_at: '2026-01-01T12:00:00Z', updated_at: '2026-01-01T12:01:00Z' });
    expect(sim.commitComments('acme/api', sha).map((c) => c.body)).toEqual(['Approved by @alice']);
    expect((await octokit.rest.repos.getCommitComment({ ...repo, comment_id: comment.id })).data.body).toBe('Approved by @alice');

    const deleted = await octokit.rest.repos.deleteCommitComment({ ...repo, comment_id: comment.id });
    expect(deleted.status).toBe(204);
    await expect(octokit.rest.repos.getCommitComment({ ...repo, comment_id: comment.id })).rejects.toMatchObject({ status: 404 });
    expect(sim.commitComments('acme/api', sha)).toEqual([]);
  });

  it('refuses to edit or delete another user’s comment (403) and leaves it as it was', async () => {
    const { octokit, sha } = await setup();
    const theirs = sim.commentOnCommit({ repo: 'acme/api', sha, body: 'LGTM', author: 'alice' });
    await expect(octokit.rest.repos.updateCommitComment({ ...repo, comment_id: theirs.id, body: 'hijack' })).rejects.toMatchObject({ status: 403 });
    await expect(octokit.rest.repos.deleteCommitComment({ ...repo, comment_id: theirs.id })).rejects.toMatchObject({ status: 403 });
    expect(sim.commitComments('acme/api', sha).map((c) => [c.id, c.body])).toEqual([[theirs.id, 'LGTM']]);
  });

  it('answers 404 for an unknown comment, another repository’s, or an issue comment’s id', async () => {
    const { octokit, sha } = await setup();
    const unknown = 999_999;
    await expect(octokit.rest.repos.getCommitComment({ ...repo, comment_id: unknown })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.updateCommitComment({ ...repo, comment_id: unknown, body: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.deleteCommitComment({ ...repo, comment_id: unknown })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.reactions.listForCommitComment({ ...repo, comment_id: unknown })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.reactions.createForCommitComment({ ...repo, comment_id: unknown, content: '+1' })).rejects.toMatchObject({ status: 404 });

    sim.repo({ owner: 'acme', name: 'web' });
    const elsewhere = sim.commentOnCommit({ repo: 'acme/web', sha: 'main', body: 'on web' });
    await expect(octokit.rest.repos.getCommitComment({ ...repo, comment_id: elsewhere.id })).rejects.toMatchObject({ status: 404 });
    expect((await octokit.rest.repos.getCommitComment({ owner: 'acme', repo: 'web', comment_id: elsewhere.id })).data.body).toBe('on web');

    // Issue comments and commit comments never share an id, and neither route serves the other's.
    const issue = sim.openIssue({ repo: 'acme/api', title: 'Release' });
    const issueComment = sim.comment({ repo: 'acme/api', issue: issue.number, body: 'on the issue' });
    const commitComment = sim.commentOnCommit({ repo: 'acme/api', sha, body: 'on the commit' });
    expect(commitComment.id).not.toBe(issueComment.id);
    await expect(octokit.rest.repos.getCommitComment({ ...repo, comment_id: issueComment.id })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.issues.getComment({ ...repo, comment_id: commitComment.id })).rejects.toMatchObject({ status: 404 });
  });

  it('needs the repository’s installation to write; a public repository’s comments can still be read', async () => {
    const { octokit, sha } = await setup();
    const { data: comment } = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'ours' });
    sim.org('globex', { members: ['wile'] });
    const other = sim.createApp({ slug: 'other-bot' });
    sim.install('globex', other.id);
    const outsider = installationOctokit(sim, 'globex', other);
    await expect(outsider.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'theirs' })).rejects.toMatchObject({ status: 403 });
    await expect(outsider.rest.reactions.createForCommitComment({ ...repo, comment_id: comment.id, content: '-1' })).rejects.toMatchObject({ status: 403 });
    expect((await outsider.rest.repos.listCommentsForCommit({ ...repo, commit_sha: sha })).data.map((c) => c.body)).toEqual(['ours']);
  });

  it('sends commit_comment.created to apps subscribed to it, and nothing for edits', async () => {
    const { octokit, sha } = await setup();
    const listener = sim.createApp({ slug: 'listener', events: ['commit_comment'] });
    sim.install('acme', listener.id);
    const { data: comment } = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'Approve with 👍' });
    await octokit.rest.repos.updateCommitComment({ ...repo, comment_id: comment.id, body: 'Approved' });
    const human = sim.commentOnCommit({ repo: 'acme/api', sha, body: '/approve', author: 'alice' });
    await sim.webhooks.drain();
    const sent = sim.webhooks.deliveries.filter((d) => d.event === 'commit_comment');
    expect(sent.map((d) => [d.appId, d.action, (d.payload.comment as { id: number }).id])).toEqual([
      [listener.id, 'created', comment.id],
      [listener.id, 'created', human.id],
    ]);
    expect(sent[1]?.payload).toMatchObject({ comment: { body: '/approve', commit_id: sha }, sender: { login: 'alice' }, repository: { full_name: 'acme/api' } });
  });
});

describe('reactions on commit comments', () => {
  it('creates (201, then 200 for the same), lists with a content filter across pages, and deletes its own', async () => {
    const { octokit, sha } = await setup();
    const { data: comment } = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'React 👍 to approve' });
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) sim.react({ repo: 'acme/api', commentId: comment.id, content: '+1', user });
    sim.react({ repo: 'acme/api', commentId: comment.id, content: '-1', user: 'frank' });
    const eyes = await octokit.rest.reactions.createForCommitComment({ ...repo, comment_id: comment.id, content: 'eyes' });
    expect(eyes.status).toBe(201);
    expect(eyes.data).toMatchObject({ content: 'eyes', user: { login: 'shipgate[bot]' } });
    const again = await octokit.rest.reactions.createForCommitComment({ ...repo, comment_id: comment.id, content: 'eyes' });
    expect(again.status).toBe(200);
    expect(again.data.id).toBe(eyes.data.id);

    const first = await octokit.rest.reactions.listForCommitComment({ ...repo, comment_id: comment.id, content: '+1', per_page: 2 });
    expect(first.data.map((r) => r.user?.login)).toEqual(['alice', 'bob']);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('content=%2B1');
    const plusOnes = await octokit.paginate(octokit.rest.reactions.listForCommitComment, { ...repo, comment_id: comment.id, content: '+1', per_page: 2 });
    expect(plusOnes.map((r) => r.user?.login)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect((await octokit.rest.reactions.listForCommitComment({ ...repo, comment_id: comment.id })).data).toHaveLength(7);
    expect((await octokit.rest.repos.getCommitComment({ ...repo, comment_id: comment.id })).data.reactions).toMatchObject({ total_count: 7, '+1': 5, '-1': 1, eyes: 1 });

    const deleted = await octokit.rest.reactions.deleteForCommitComment({ ...repo, comment_id: comment.id, reaction_id: eyes.data.id });
    expect(deleted.status).toBe(204);
    // Another user's reaction, or one that is gone, is not the app's to delete.
    const alices = plusOnes[0]?.id ?? 0;
    await expect(octokit.rest.reactions.deleteForCommitComment({ ...repo, comment_id: comment.id, reaction_id: alices })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.reactions.deleteForCommitComment({ ...repo, comment_id: comment.id, reaction_id: eyes.data.id })).rejects.toMatchObject({ status: 404 });
    expect(sim.commitComments('acme/api', sha)[0]?.reactions.map((r) => r.content)).toEqual(['+1', '+1', '+1', '+1', '+1', '-1']);
  });

  it('unreact takes back one user’s reaction of one content and nothing else', async () => {
    const { octokit, sha } = await setup();
    const { data: comment } = await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'React 👍 to approve' });
    const given = sim.react({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' });
    sim.react({ repo: 'acme/api', commentId: comment.id, content: 'heart', user: 'alice' });
    sim.react({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'bob' });

    const removed = sim.unreact({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' });
    expect(removed?.id).toBe(given.id);
    const plusOnes = await octokit.rest.reactions.listForCommitComment({ ...repo, comment_id: comment.id, content: '+1' });
    expect(plusOnes.data.map((r) => r.user?.login)).toEqual(['bob']);
    expect((await octokit.rest.repos.getCommitComment({ ...repo, comment_id: comment.id })).data.reactions).toMatchObject({ total_count: 2, '+1': 1, heart: 1 });

    // Nothing to take back: the same again, a content never given, a user never seen.
    expect(sim.unreact({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' })).toBeUndefined();
    expect(sim.unreact({ repo: 'acme/api', commentId: comment.id, content: 'rocket', user: 'bob' })).toBeUndefined();
    expect(sim.unreact({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'nobody-yet' })).toBeUndefined();
    expect(sim.commitComments('acme/api', sha)[0]?.reactions).toHaveLength(2);
    // A comment the repository does not have is a mistake in the test.
    expect(() => sim.unreact({ repo: 'acme/api', commentId: 999_999, content: '+1', user: 'bob' })).toThrow(/no comment 999999 in acme\/api/);
    expect(() => sim.unreact({ repo: 'acme/web', commentId: comment.id, content: '+1', user: 'bob' })).toThrow(/no comment/);
    // No webhook for reactions or their removal.
    await sim.webhooks.drain();
    expect(sim.webhooks.deliveries.filter((d) => d.event.includes('reaction') || d.event === 'commit_comment')).toEqual([]);
  });
});

describe('reactions on issue comments still', () => {
  it('react and unreact work on issue comments, seen through the issue-comment routes', async () => {
    const { octokit } = await setup();
    const issue = sim.openIssue({ repo: 'acme/api', title: 'Release 1.0' });
    const { data: comment } = await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: 'Approve with 👍' });
    sim.react({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' });
    sim.react({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'bob' });
    expect(sim.unreact({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' })?.user.login).toBe('alice');

    const plusOnes = await octokit.rest.reactions.listForIssueComment({ ...repo, comment_id: comment.id, content: '+1' });
    expect(plusOnes.data.map((r) => r.user?.login)).toEqual(['bob']);
    expect((await octokit.rest.issues.getComment({ ...repo, comment_id: comment.id })).data.reactions).toMatchObject({
      url: `${sim.baseUrl}/repos/acme/api/issues/comments/${comment.id}/reactions`,
      total_count: 1,
      '+1': 1,
    });
    expect(sim.comments('acme/api', issue.number)[0]?.reactions.map((r) => r.user.login)).toEqual(['bob']);
    expect(sim.unreact({ repo: 'acme/api', commentId: comment.id, content: '+1', user: 'alice' })).toBeUndefined();
    // The issue comment is not listed as a commit comment.
    expect((await octokit.rest.repos.listCommitCommentsForRepo(repo)).data).toEqual([]);
  });
});
