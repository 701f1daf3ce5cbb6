import { describe, expect, it } from 'vitest';
import { parseCommentCommands, splitArguments } from '../../src/commands/parse.ts';

/** The commands of a body as `name arg…` strings, and unreadable lines as `!code`. */
function commands(body: string, prefix = '/'): string[] {
  return parseCommentCommands(body, prefix).entries.map((e) => (e.kind === 'command' ? [e.command.name, ...e.command.args].join(' ') : `!${e.error.code}`));
}

describe('parseCommentCommands', () => {
  const table: Array<{ title: string; body: string; prefix?: string; expected: string[] }> = [
    { title: 'one command', body: '/retry', expected: ['retry'] },
    { title: 'arguments are words', body: '/retry ci unit   e2e', expected: ['retry ci unit e2e'] },
    { title: 'mixed case names are lower-cased, arguments kept', body: '/ReTry CI', expected: ['retry CI'] },
    { title: 'Windows line endings', body: 'thanks!\r\n/retry ci\r\n/cancel\r\n', expected: ['retry ci', 'cancel'] },
    { title: 'old Mac line endings', body: 'a\r/help\r', expected: ['help'] },
    { title: 'up to three leading spaces', body: '   /help\n /cancel', expected: ['help', 'cancel'] },
    { title: 'four leading spaces are an indented code block', body: 'example:\n\n    /cancel\n', expected: [] },
    { title: 'a tab is an indented code block', body: '\t/cancel', expected: [] },
    { title: 'trailing punctuation of the name', body: '/retry.\n/help!\n/cancel ci.', expected: ['retry', 'help', 'cancel ci'] },
    { title: 'mid-sentence is text', body: 'please /deploy this, or run /retry', expected: [] },
    { title: 'in a block quote', body: '> /deploy prod\n\n/help', expected: ['help'] },
    { title: 'a lazy quote continuation is still the quote', body: '> you said\n/deploy prod', expected: [] },
    { title: 'a nested quote', body: '> > /cancel', expected: [] },
    { title: 'a fenced code block', body: '```\n/cancel\n```\n/help', expected: ['help'] },
    { title: 'a tilde fence with a language', body: '~~~sh\n/cancel\n~~~\n/retry', expected: ['retry'] },
    { title: 'a shorter fence does not close a longer one', body: '````\n```\n/cancel\n````\n/help', expected: ['help'] },
    { title: 'an unclosed fence hides the rest', body: '```\n/cancel\n/retry', expected: [] },
    { title: 'inline code is text', body: 'type `/retry` to retry', expected: [] },
    { title: 'a path is not a command', body: '/usr/bin/env is missing\n//comment\n/ retry', expected: [] },
    { title: 'a quoted reason is one argument', body: '/reject production "tests are flaky, again."', expected: ['reject production tests are flaky, again.'] },
    { title: 'curly quotes', body: '/lock prod \u201cfreeze for the release\u201d', expected: ['lock prod freeze for the release'] },
    { title: 'an escaped quote inside quotes', body: '/reject prod "say \\"no\\""', expected: ['reject prod say "no"'] },
    { title: 'an unclosed quote', body: '/reject prod "no reason', expected: ['!command.unterminated-quote'] },
    { title: 'Unicode arguments', body: '/reject prod "ça ne va pas 🚫" 日本', expected: ['reject prod ça ne va pas 🚫 日本'] },
    { title: 'a non-ASCII name is not a command', body: '/déployer prod', expected: [] },
    { title: 'a word prefix', prefix: 'shipgate ', body: 'Shipgate retry ci\n/retry\nshipgate help', expected: ['retry ci', 'help'] },
    { title: 'a prefix mid-line is text', prefix: '!', body: 'hey !retry', expected: [] },
    { title: 'order is kept', body: '/cancel\ntext\n/retry ci\n/help', expected: ['cancel', 'retry ci', 'help'] },
  ];
  it.each(table)('$title', ({ body, prefix, expected }) => {
    expect(commands(body, prefix)).toEqual(expected);
  });

  it('gives the line each command was written on', () => {
    const parsed = parseCommentCommands('hello\r\n\r\n/retry ci\n/help', '/');
    expect(parsed.entries.map((e) => (e.kind === 'command' ? [e.command.line, e.command.text] : []))).toEqual([
      [3, '/retry ci'],
      [4, '/help'],
    ]);
  });

  it('reads a 64 KB body in linear time and finds the command at its end', () => {
    const filler = 'lorem ipsum /not-a-command dolor sit amet\n'.repeat(1_600);
    const body = `${filler}/retry ci`;
    expect(body.length).toBeGreaterThan(64 * 1024);
    const started = performance.now();
    expect(commands(body)).toEqual(['retry ci']);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('reads a 64 KB single line of quotes without blowing up', () => {
    const body = `/reject prod ${'"a" '.repeat(16_400)}`;
    const [entry] = parseCommentCommands(body, '/').entries;
    expect(entry?.kind === 'command' ? entry.command.args.length : 0).toBe(16_401);
  });
});

describe('splitArguments', () => {
  it('splits on any whitespace and drops empty words', () => {
    expect(splitArguments('  a \t b  ')).toEqual(['a', 'b']);
    expect(splitArguments('')).toEqual([]);
    expect(splitArguments('""')).toEqual(['']);
  });
});
