import { describe, expect, it } from 'vitest';
import { isReason, reason, REASON_CODES, renderReason } from '../../src/engine/reasons.ts';

describe('reason codes', () => {
  it('renders each sentence from its code and parameters', () => {
    expect(renderReason(reason('stage.needs-failed', { need: 'build', conclusion: 'timed_out' }))).toBe("needs 'build', which ended timed_out");
    expect(renderReason(reason('refuse.permission', { user: 'bob', needed: 'write', has: 'read' }))).toBe('@bob has read access to this repository; this needs write access');
    expect(renderReason(reason('stage.run-cancelled'))).toBe('the run was cancelled');
  });
  it('lists every code once, namespaced by what it explains', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    for (const code of REASON_CODES) expect(code).toMatch(/^(stage|cancel|wait|job|refuse|command|config|rollup|deploy|rollback|lock|approval)\.[a-z-]+$/);
  });
  it('recognises stored reasons, and not text or unknown codes', () => {
    expect(isReason({ code: 'stage.if-false', expression: 'x' })).toBe(true);
    expect(isReason('if: x was false')).toBe(false);
    expect(isReason({ code: 'no.such-code' })).toBe(false);
    expect(isReason(null)).toBe(false);
  });
});
