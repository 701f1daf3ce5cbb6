import { describe, expect, it } from 'vitest';
import { chooseRequest } from '../../src/commands/handlers/approval-commands.ts';
import type { ApprovalRequest } from '../../src/store/schema/index.ts';

const request = (id: number, environment: string) => ({ id, environment }) as unknown as ApprovalRequest;
const production = request(1, 'production');
const staging = request(2, 'staging');

describe('chooseRequest', () => {
  it('takes the environment named first, with the rest of the arguments', () => {
    expect(chooseRequest([production, staging], ['staging', 'not', 'yet'], { restIsReason: true })).toEqual({ kind: 'found', request: staging, rest: ['not', 'yet'] });
  });

  it('means the only open request when none is named; for /reject every word is the reason', () => {
    expect(chooseRequest([production], [], { restIsReason: false })).toEqual({ kind: 'found', request: production, rest: [] });
    expect(chooseRequest([production], ['flaky', 'tests'], { restIsReason: true })).toEqual({ kind: 'found', request: production, rest: ['flaky', 'tests'] });
  });

  it('asks which one when several environments wait', () => {
    expect(chooseRequest([production, staging], [], { restIsReason: false })).toEqual({ kind: 'ambiguous', environments: ['production', 'staging'] });
  });

  it('never rejects another environment because its name was taken for a reason', () => {
    // staging was approved (no longer open); `/reject staging` must not reject production.
    expect(chooseRequest([production], ['staging'], { restIsReason: true, known: new Set(['production', 'staging']) })).toEqual({ kind: 'none', environment: 'staging' });
  });

  it('says which environment has no open request, or that none has', () => {
    expect(chooseRequest([production], ['staging'], { restIsReason: false })).toEqual({ kind: 'none', environment: 'staging' });
    expect(chooseRequest([], [], { restIsReason: false })).toEqual({ kind: 'none', environment: null });
    expect(chooseRequest([], ['because'], { restIsReason: true })).toEqual({ kind: 'none', environment: null });
  });
});
