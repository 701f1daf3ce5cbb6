/**
 * Comment commands, found in a comment body (pure). A command is a line that
 * starts with the prefix, outside block quotes and fenced or indented code
 * blocks, as GitHub renders them; a prefix inside a sentence is text.
 * Arguments are words; a double-quoted argument ("…" or “…”) is kept whole.
 */

/** One command line as written: its name (lower case) and arguments, in order. */
export interface ParsedCommand {
  name: string;
  args: string[];
  /** 1-based line of the comment it was written on. */
  line: number;
  /** The line as written (trimmed), for replies and the audit log. */
  text: string;
}

/** A command line that could not be read (its name is known when it got that far). */
export interface CommandParseError {
  code: 'command.unterminated-quote';
  name: string;
  line: number;
  text: string;
}

export interface ParsedComment {
  /** Commands and unreadable command lines, in the order they were written. */
  entries: Array<{ kind: 'command'; command: ParsedCommand } | { kind: 'error'; error: CommandParseError }>;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}>/;
/** A name: an ASCII letter, then letters, digits, `-` or `_`; trailing punctuation (`/retry.`) is dropped. */
const NAME = /^([A-Za-z][A-Za-z0-9_-]*)[.,!?;:]*(?=\s|$)/;
const TRAILING_PUNCTUATION = /[.,!?;:]+$/;

/**
 * The commands of a comment body for `prefix` (e.g. `/`, or `shipgate `),
 * matched case-insensitively. Windows and old Mac line endings are read as
 * line breaks; up to three leading spaces are allowed (four make a code block).
 * Linear in the body's length.
 */
export function parseCommentCommands(body: string, prefix: string): ParsedComment {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const entries: ParsedComment['entries'] = [];
  const lowerPrefix = prefix.toLowerCase();
  let fence: { char: string; length: number } | undefined;
  let inQuote = false;
  for (const [index, raw] of lines.entries()) {
    if (fence) {
      const close = FENCE.exec(raw);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length && raw.trim() === close[1]) fence = undefined;
      continue;
    }
    const open = FENCE.exec(raw);
    if (open?.[1]) {
      fence = { char: open[1][0] ?? '`', length: open[1].length };
      inQuote = false;
      continue;
    }
    if (QUOTE.test(raw)) {
      inQuote = true;
      continue;
    }
    // A line right after a quote line continues the quote (GitHub renders it inside the quote).
    const blank = raw.trim() === '';
    if (inQuote && !blank) continue;
    inQuote = false;
    // Four spaces or a tab: an indented code block (or an indented continuation line); never a command.
    const indented = /^( {0,3}\t| {4})/.test(raw);
    if (blank || indented) continue;
    const trimmed = raw.replace(/^ {0,3}/, '');
    if (trimmed.slice(0, prefix.length).toLowerCase() !== lowerPrefix) continue;
    const rest = trimmed.slice(prefix.length);
    const name = NAME.exec(rest);
    if (!name?.[1]) continue;
    const text = trimmed.trim();
    const line = index + 1;
    const words = splitArguments(rest.slice(name[0].length));
    const commandName = name[1].toLowerCase();
    if (words === undefined) entries.push({ kind: 'error', error: { code: 'command.unterminated-quote', name: commandName, line, text } });
    else entries.push({ kind: 'command', command: { name: commandName, args: words, line, text } });
  }
  return { entries };
}

/** Words of an argument string; a quoted run is one word; undefined when a quote is not closed. */
export function splitArguments(input: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"' || ch === '\u201c') {
      const closer = ch === '"' ? '"' : '\u201d';
      let word = '';
      let j = i + 1;
      for (; j < input.length && input[j] !== closer; j++) {
        // `\"` is a quote inside a quoted argument.
        if (input[j] === '\\' && input[j + 1] === closer) j++;
        word += input[j];
      }
      if (j >= input.length) return undefined;
      words.push(word);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < input.length && !/\s/.test(input[j] ?? '')) j++;
    const word = input.slice(i, j).replace(TRAILING_PUNCTUATION, '');
    if (word !== '') words.push(word);
    i = j;
  }
  return words;
}
