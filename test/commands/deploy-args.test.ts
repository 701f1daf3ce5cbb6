import { describe, expect, it } from 'vitest';
import { containingCandidates, parseDeployTarget, parseRollbackTarget, pickDispatchRef, type DeployTargetArg, type RollbackTargetArg } from '../../src/commands/handlers/deploy-commands.ts';
import { lockReason } from '../../src/commands/handlers/lock-commands.ts';

describe('parseDeployTarget', () => {
  const table: Array<{ title: string; arg: string | undefined; expected: DeployTargetArg }> = [
    { title: 'no argument: the default target', arg: undefined, expected: { kind: 'default' } },
    { title: 'an empty argument: the default target', arg: '  ', expected: { kind: 'default' } },
    { title: '7 hex digits: a commit', arg: 'abc1234', expected: { kind: 'sha', prefix: 'abc1234' } },
    { title: '40 hex digits: a commit', arg: 'a'.repeat(40), expected: { kind: 'sha', prefix: 'a'.repeat(40) } },
    { title: 'upper-case hex is kept as written (it may be a branch)', arg: 'ABCDEF1', expected: { kind: 'sha', prefix: 'ABCDEF1' } },
    { title: '6 hex digits: a branch', arg: 'abc123', expected: { kind: 'branch', branch: 'abc123' } },
    { title: '41 hex digits: a branch', arg: 'a'.repeat(41), expected: { kind: 'branch', branch: 'a'.repeat(41) } },
    { title: 'a branch name', arg: 'release/1.2', expected: { kind: 'branch', branch: 'release/1.2' } },
    { title: 'refs/heads/ is dropped', arg: 'refs/heads/main', expected: { kind: 'branch', branch: 'main' } },
    { title: 'hex with a non-hex letter: a branch', arg: 'abc123g', expected: { kind: 'branch', branch: 'abc123g' } },
  ];
  it.each(table)('$title', ({ arg, expected }) => {
    expect(parseDeployTarget(arg)).toEqual(expected);
  });
});

describe('parseRollbackTarget', () => {
  const table: Array<{ title: string; rest: string[]; expected: RollbackTargetArg['kind']; value?: number | string }> = [
    { title: 'nothing: the previous good commit', rest: [], expected: 'previous' },
    { title: 'to a deployment id', rest: ['to', '42'], expected: 'deployment', value: 42 },
    { title: 'to a #id', rest: ['to', '#42'], expected: 'deployment', value: 42 },
    { title: '`To` in any case', rest: ['TO', '42'], expected: 'deployment', value: 42 },
    { title: 'digits only are an id, even 7 of them', rest: ['to', '1234567'], expected: 'deployment', value: 1234567 },
    { title: 'to a sha prefix (lower-cased)', rest: ['to', 'ABCDEF1'], expected: 'sha', value: 'abcdef1' },
    { title: 'to a full sha', rest: ['to', 'f'.repeat(40)], expected: 'sha', value: 'f'.repeat(40) },
    { title: 'a bare target without `to`', rest: ['42'], expected: 'invalid' },
    { title: '`to` alone', rest: ['to'], expected: 'invalid' },
    { title: 'a prefix shorter than 7', rest: ['to', 'abc12f'], expected: 'invalid' },
    { title: 'id 0', rest: ['to', '0'], expected: 'invalid' },
    { title: 'an id too large to be exact', rest: ['to', '99999999999999999999'], expected: 'invalid' },
    { title: 'a branch name', rest: ['to', 'main'], expected: 'invalid' },
    { title: 'two targets', rest: ['to', '1', '2'], expected: 'invalid' },
  ];
  it.each(table)('$title', ({ rest, expected, value }) => {
    const parsed = parseRollbackTarget(rest);
    expect(parsed.kind).toBe(expected);
    if (parsed.kind === 'deployment') expect(parsed.id).toBe(value);
    if (parsed.kind === 'sha') expect(parsed.prefix).toBe(value);
    if (parsed.kind === 'invalid') expect(parsed.problem.length).toBeGreaterThan(0);
  });

  it('names what it could not read', () => {
    expect(parseRollbackTarget(['to', 'main'])).toEqual({ kind: 'invalid', problem: "'main' is neither a deployment id nor a sha of 7 to 40 hex digits" });
    expect(parseRollbackTarget(['from', '3'])).toEqual({ kind: 'invalid', problem: "expected `to` before the target, got 'from'" });
  });
});

describe('containingCandidates', () => {
  const branches = ['dev', 'feature/x', 'main', 'release/1', 'release/2'];

  it('the default branch first, then the branches the patterns allow', () => {
    expect(containingCandidates('main', ['release/*'], branches)).toEqual(['main', 'release/1', 'release/2']);
  });

  it('negations exclude, last match wins', () => {
    expect(containingCandidates('main', ['release/*', '!release/2'], branches)).toEqual(['main', 'release/1']);
  });

  it('no patterns: every branch', () => {
    expect(containingCandidates('main', [], branches)).toEqual(['main', 'dev', 'feature/x', 'release/1', 'release/2']);
  });

  it('patterns that match nothing leave the default branch alone', () => {
    expect(containingCandidates('main', ['hotfix/*'], branches)).toEqual(['main']);
  });

  it('at most max, the default branch kept', () => {
    const many = Array.from({ length: 30 }, (_, i) => `b${String(i).padStart(2, '0')}`);
    const picked = containingCandidates('main', [], many);
    expect(picked).toHaveLength(20);
    expect(picked[0]).toBe('main');
    expect(picked.at(-1)).toBe('b18');
    expect(containingCandidates('main', [], many, 2)).toEqual(['main', 'b00']);
  });
});

describe('pickDispatchRef', () => {
  it('the first containing branch the patterns allow', () => {
    expect(pickDispatchRef(['main', 'release/1'], ['release/*'], 'main')).toBe('release/1');
  });

  it('the first containing branch when none is allowed (the policy refuses it anyway)', () => {
    expect(pickDispatchRef(['main', 'dev'], ['release/*'], 'trunk')).toBe('main');
  });

  it('the first containing branch without patterns', () => {
    expect(pickDispatchRef(['dev', 'main'], [], 'main')).toBe('dev');
  });

  it('the default branch when no branch contains the commit', () => {
    expect(pickDispatchRef([], ['release/*'], 'main')).toBe('main');
  });
});

describe('lockReason', () => {
  it('joins the words', () => {
    expect(lockReason(['release', 'freeze'])).toBe('release freeze');
  });

  it('no words, or only blanks: no reason', () => {
    expect(lockReason([])).toBeNull();
    expect(lockReason([' ', ''])).toBeNull();
  });
});
