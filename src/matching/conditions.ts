/**
 * `if:` conditions and `${{ }}` templates, evaluated with `@actions/expressions`
 * (GitHub's own evaluator), against the `shipgate` and `github` contexts.
 * Nothing here throws: every problem comes back as a clear error string.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { Expr } from '@actions/expressions';
import type { FunctionDefinition, FunctionInfo } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import type { ShipgateEvent } from './event.ts';

/**
 * The plain-JSON contexts an expression can read. Treat one as immutable once it has
 * been evaluated against: its converted form is cached per object.
 */
export interface ExpressionContext {
  shipgate: {
    /** `push`, `tag`, `pull_request` or `manual`. */
    event: ShipgateEvent['kind'];
    branch: string | null;
    tag: string | null;
    ref: string;
    sha: string;
    pr: number | null;
    pipeline: string;
    actor: string;
    labels: string[];
  };
  /** The `github` context as GitHub Actions exposes it (`github.event` = payload). */
  github: Record<string, unknown>;
}

/** Result of {@link evaluateCondition}. */
export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: string };

/** Result of {@link evaluateTemplate}. */
export type TemplateResult = { ok: true; value: string | number | boolean } | { ok: false; error: string };

const CONTEXT_NAMES = ['shipgate', 'github'];

/**
 * Status functions of Actions `if:`. shipgate only evaluates a stage's `if:` once its
 * `needs` succeeded, so they answer as they would at that point.
 */
const STATUS_FUNCTIONS: FunctionDefinition[] = [
  { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
  { name: 'always', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
  { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(false) },
  { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(false) },
];
const STATUS_FUNCTION_INFO: FunctionInfo[] = STATUS_FUNCTIONS.map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
const STATUS_FUNCTION_MAP = new Map(STATUS_FUNCTIONS.map((f) => [f.name, f]));

/**
 * Builds the expression contexts for one pipeline of an event. `github` mirrors what
 * a workflow triggered by the same event would see (`github.event`, `github.ref`,
 * `github.sha`, `github.event_name`, `github.actor`, `github.repository`, …), except
 * that `github.sha` is the commit shipgate runs (the PR head for pull requests).
 */
export function buildExpressionContext(event: ShipgateEvent, pipeline: string): ExpressionContext {
  const [owner = '', name = ''] = event.repository.split('/');
  const github: Record<string, unknown> = {
    event: event.payload,
    event_name: githubEventName(event),
    sha: event.sha,
    actor: event.actor,
    triggering_actor: event.actor,
    repository: event.repository,
    repository_owner: owner,
    repository_name: name,
  };
  if (event.kind === 'pull_request' && event.pr !== undefined) {
    Object.assign(github, {
      ref: `refs/pull/${event.pr}/merge`,
      ref_name: `${event.pr}/merge`,
      head_ref: event.branch ?? '',
      base_ref: event.baseBranch ?? '',
    });
  } else {
    Object.assign(github, {
      ref: event.ref,
      ref_name: event.tag ?? event.branch ?? event.ref,
      ref_type: event.kind === 'tag' ? 'tag' : 'branch',
      head_ref: '',
      base_ref: '',
    });
  }
  return {
    shipgate: {
      event: event.kind,
      branch: event.branch ?? null,
      tag: event.tag ?? null,
      ref: event.ref,
      sha: event.sha,
      pr: event.pr ?? null,
      pipeline,
      actor: event.actor,
      labels: [...event.labels],
    },
    github,
  };
}

/**
 * Checks the syntax of an expression, written bare (`a == b`) or wrapped
 * (`${{ a == b }}`). Returns `undefined` when it parses, otherwise the error.
 * Only the `shipgate` and `github` contexts are known.
 */
export function checkExpression(expression: string): string | undefined {
  const source = conditionSource(expression);
  if (!source.ok) return source.error;
  const parsed = parseExpression(source.source);
  return parsed.ok ? undefined : parsed.error;
}

/**
 * Evaluates an `if:` condition (bare or `${{ }}`-wrapped, like Actions) to a boolean
 * with Actions' truthiness (`''`, `0`, `null` and `false` are false).
 */
export function evaluateCondition(expression: string, context: ExpressionContext): ConditionResult {
  const source = conditionSource(expression);
  if (!source.ok) return source;
  const result = evaluate(source.source, context);
  if (!result.ok) return result;
  return { ok: true, value: truthy(result.value) };
}

/**
 * Expands `${{ }}` expressions in a config value (e.g. a job input). A value that
 * is exactly one expression keeps the expression's type (string, number or boolean;
 * `null` becomes `''`, objects and arrays become JSON); otherwise each expression is
 * interpolated as text. Non-string values are returned unchanged.
 */
export function evaluateTemplate(value: string | number | boolean, context: ExpressionContext): TemplateResult {
  if (typeof value !== 'string') return { ok: true, value };
  const parts = splitTemplate(value);
  if (!parts.ok) return parts;
  const [only] = parts.parts;
  if (parts.parts.length === 1 && only?.kind === 'expression') {
    const result = evaluate(only.source, context);
    if (!result.ok) return result;
    return { ok: true, value: toTemplateValue(result.value) };
  }
  let text = '';
  for (const part of parts.parts) {
    if (part.kind === 'text') {
      text += part.text;
      continue;
    }
    const result = evaluate(part.source, context);
    if (!result.ok) return result;
    text += String(toTemplateValue(result.value));
  }
  return { ok: true, value: text };
}

/** Checks every `${{ }}` expression of a template value; `undefined` when all parse. */
export function checkTemplate(value: string): string | undefined {
  const parts = splitTemplate(value);
  if (!parts.ok) return parts.error;
  for (const part of parts.parts) {
    if (part.kind !== 'expression') continue;
    const parsed = parseExpression(part.source);
    if (!parsed.ok) return parsed.error;
  }
  return undefined;
}

function githubEventName(event: ShipgateEvent): string {
  switch (event.kind) {
    case 'push':
    case 'tag':
      return 'push';
    case 'pull_request':
      return 'pull_request';
    case 'manual':
      return 'comment' in event.payload ? 'issue_comment' : 'manual';
  }
}

/**
 * The expression of an `if:`: `${{ x }}` → `x`, a bare `x` as written. Text around or
 * between `${{ }}` is refused: Actions would treat it as an always-true string.
 */
function conditionSource(expression: string): { ok: true; source: string } | { ok: false; error: string } {
  if (!expression.includes('${{')) {
    return expression.trim() === '' ? { ok: false, error: 'the condition is empty' } : { ok: true, source: expression };
  }
  const split = splitTemplate(expression.trim());
  if (!split.ok) return split;
  const [only] = split.parts;
  if (split.parts.length !== 1 || only?.kind !== 'expression') {
    return {
      ok: false,
      error: `condition '${expression}' mixes text and \${{ }}; write it as one expression, e.g. \${{ a && b }}`,
    };
  }
  return { ok: true, source: only.source };
}

type ParseResult = { ok: true; expr: Expr } | { ok: false; error: string };

function parseExpression(source: string): ParseResult {
  try {
    const lexed = new Lexer(source).lex();
    const expr = new Parser(lexed.tokens, CONTEXT_NAMES, STATUS_FUNCTION_INFO).parse();
    return { ok: true, expr };
  } catch (error) {
    return { ok: false, error: `invalid expression '${source.trim()}': ${describe(error)}` };
  }
}

type EvaluateResult = { ok: true; value: data.ExpressionData } | { ok: false; error: string };

function evaluate(source: string, context: ExpressionContext): EvaluateResult {
  const parsed = parseExpression(source);
  if (!parsed.ok) return parsed;
  try {
    const value = new Evaluator(parsed.expr, toDictionary(context), STATUS_FUNCTION_MAP).evaluate();
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: `cannot evaluate '${source.trim()}': ${describe(error)}` };
  }
}

const dictionaries = new WeakMap<ExpressionContext, data.Dictionary>();

/** The context in the library's data model; converted once per context object. */
function toDictionary(context: ExpressionContext): data.Dictionary {
  let dictionary = dictionaries.get(context);
  if (!dictionary) {
    dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
    dictionaries.set(context, dictionary);
  }
  return dictionary;
}

function toTemplateValue(value: data.ExpressionData): string | number | boolean {
  switch (value.kind) {
    case data.Kind.String:
      return value.coerceString();
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Null:
      return '';
    default:
      return JSON.stringify(value, data.replacer);
  }
}

type TemplatePart = { kind: 'text'; text: string } | { kind: 'expression'; source: string };
type SplitResult = { ok: true; parts: TemplatePart[] } | { ok: false; error: string };

/**
 * Splits `a ${{ x }} b` into text and expression parts. A `}}` inside a quoted
 * string of the expression does not close it (`${{ format('}}') }}`).
 */
function splitTemplate(value: string): SplitResult {
  const parts: TemplatePart[] = [];
  let index = 0;
  while (index < value.length) {
    const open = value.indexOf('${{', index);
    if (open === -1) {
      parts.push({ kind: 'text', text: value.slice(index) });
      break;
    }
    if (open > index) parts.push({ kind: 'text', text: value.slice(index, open) });
    const close = findClose(value, open + 3);
    if (close === UNTERMINATED_STRING) {
      return { ok: false, error: `'\${{' at position ${open + 1} of '${value}' has a string that is never closed with '` };
    }
    if (close === -1) {
      return { ok: false, error: `'\${{' at position ${open + 1} of '${value}' is never closed with '}}'` };
    }
    const source = value.slice(open + 3, close);
    if (source.trim() === '') return { ok: false, error: `'\${{ }}' at position ${open + 1} of '${value}' is empty` };
    parts.push({ kind: 'expression', source });
    index = close + 2;
  }
  return { ok: true, parts };
}

const UNTERMINATED_STRING = -2;

/** Index of the `}}` closing an expression; -1 when missing, -2 inside an open string. */
function findClose(value: string, from: number): number {
  let inString = false;
  for (let i = from; i < value.length; i++) {
    const c = value[i];
    if (c === "'") {
      // '' inside a string is an escaped quote; toggling twice keeps us inside.
      inString = !inString;
      continue;
    }
    if (!inString && c === '}' && value[i + 1] === '}') return i;
  }
  return inString ? UNTERMINATED_STRING : -1;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message === 'ErrorExceededMaxLength') return 'the expression is too long';
  if (error.message.startsWith('Unrecognized named-value')) {
    return `${error.message} (available contexts: ${CONTEXT_NAMES.join(', ')})`;
  }
  if (error.message.startsWith('Unrecognized function')) {
    return `${error.message} (shipgate adds ${STATUS_FUNCTIONS.map((f) => `${f.name}()`).join(', ')} to the Actions functions)`;
  }
  return error.message;
}
