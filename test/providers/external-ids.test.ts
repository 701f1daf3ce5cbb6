import { describe, expect, it } from 'vitest';
import { gitlabExternalId, jenkinsBuildId, jenkinsQueueId } from '../../src/providers/external-ids.ts';

describe('external ids', () => {
  it('writes a Jenkins queue item, a build of a job (folders kept) and a GitLab pipeline of a project', () => {
    expect(jenkinsQueueId(7)).toBe('queue:7');
    expect(jenkinsBuildId('platform/build-legacy', 12)).toBe('build:platform/build-legacy#12');
    expect(gitlabExternalId(4711, 98)).toBe('4711:98');
  });

  it('keeps the same build number of two Jenkins jobs apart', () => {
    expect(jenkinsBuildId('platform/build', 7)).not.toBe(jenkinsBuildId('platform/deploy', 7));
    expect(jenkinsBuildId('a/b', 7)).not.toBe(jenkinsBuildId('a', 7));
    expect(jenkinsBuildId('deploy', 7)).toBe(jenkinsBuildId('deploy', 7));
  });

  it('keeps a queue item apart from a build with the same number', () => {
    expect(jenkinsQueueId(7)).not.toBe(jenkinsBuildId('7', 7));
    expect(jenkinsQueueId(7)).not.toBe(jenkinsBuildId('queue', 7));
  });

  it('keeps GitLab pipelines of different projects apart, even where the digits run together', () => {
    expect(gitlabExternalId(12, 345)).not.toBe(gitlabExternalId(123, 45));
    expect(gitlabExternalId(1, 9)).not.toBe(gitlabExternalId(2, 9));
  });
});
