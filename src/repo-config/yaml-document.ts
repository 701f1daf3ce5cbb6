/**
 * YAML with positions, hardened against hostile input: a token budget and a
 * nesting limit checked while lexing (before the parser, whose cost grows with
 * both), a single document, duplicate keys as errors, and a low alias budget so an
 * alias bomb is refused instead of expanded.
 */
import {
  Composer,
  CST,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import { MAX_ISSUES, type ConfigIssue, type Locate } from './config-issue.ts';

/** Most lexical tokens (scalars, indicators, spaces, line breaks) a config may have. */
export const MAX_YAML_TOKENS = 50_000;
/** Deepest nesting of mappings and lists. */
export const MAX_YAML_DEPTH = 64;
/** Budget for alias expansion (`*name`); see the `yaml` package's `maxAliasCount`. */
export const MAX_ALIAS_COUNT = 50;

/** A parsed YAML file and how to find positions in it. */
export interface YamlFile {
  file: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain data (`null` for an empty file). */
  value: unknown;
  /** YAML warnings (e.g. unknown tags), with positions. */
  warnings: ConfigIssue[];
}

export type YamlResult = { ok: true; yaml: YamlFile } | { ok: false; errors: ConfigIssue[] };

/** Parses config text into a YAML document and its data, or the errors that stop it. */
export function parseConfigYaml(text: string, file: string): YamlResult {
  const budgetError = checkLexicalBudget(text, file);
  if (budgetError) return { ok: false, errors: [budgetError] };

  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const tooDeep = findExcessiveNesting(tokens);
  if (tooDeep !== undefined) return { ok: false, errors: [nestingError(file, lineCounter, tooDeep)] };

  const documents = Array.from(new Composer({ uniqueKeys: false, prettyErrors: false }).compose(tokens, true, text.length));
  const [document, second] = documents;
  if (!document) return { ok: false, errors: [{ file, line: 1, column: 1, message: 'the file could not be read as YAML', path: [] }] };

  const at = (offset: number) => lineCounter.linePos(offset);
  const errors: ConfigIssue[] = document.errors.slice(0, MAX_ISSUES).map((error) => {
    const { line, col } = at(error.pos[0]);
    return { file, line, column: col, message: describeYamlError(error.code, error.message), path: [] };
  });
  if (second) {
    const { line, col } = at(second.range[0]);
    errors.push({
      file,
      line,
      column: col,
      message: "the file holds more than one YAML document (a second one starts after '---'); keep the whole config in one document",
      path: [],
    });
  }
  errors.push(...findKeyErrors(document, file, lineCounter));
  if (errors.length > 0) return { ok: false, errors: sortIssues(errors).slice(0, MAX_ISSUES) };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const alias = firstAlias(document);
    const { line, col } = alias?.range ? at(alias.range[0]) : { line: 1, col: 1 };
    const message =
      error instanceof ReferenceError
        ? `too many alias expansions (*name): the limit is ${MAX_ALIAS_COUNT}, which protects against alias bombs; write the values out instead`
        : `the YAML could not be converted to data: ${(error as Error).message}`;
    return { ok: false, errors: [{ file, line, column: col, message, path: [] }] };
  }
  const warnings = document.warnings.slice(0, MAX_ISSUES).map((warning) => {
    const { line, col } = at(warning.pos[0]);
    return { file, line, column: col, message: describeYamlError(warning.code, warning.message), path: [] };
  });
  return { ok: true, yaml: { file, document, lineCounter, value: value ?? null, warnings } };
}

/**
 * Counts lexical tokens and flow nesting (`[`, `{`) while lexing, stopping at the
 * first excess, so a huge or deeply nested input costs little before it is refused.
 */
function checkLexicalBudget(text: string, file: string): ConfigIssue | undefined {
  let tokens = 0;
  let offset = 0;
  let flowDepth = 0;
  let scalarFollows = false;
  for (const lexeme of new Lexer().lex(text)) {
    tokens += 1;
    if (tokens > MAX_YAML_TOKENS) {
      const { line, column } = positionOf(text, offset);
      return {
        file,
        line,
        column,
        message: `the file is too large to be a shipgate config: more than ${MAX_YAML_TOKENS} YAML tokens (keys, values, indicators and line breaks; about 4000 lines of config); split it up or simplify it`,
        path: [],
      };
    }
    if (scalarFollows) {
      scalarFollows = false;
      offset += lexeme.length;
      continue;
    }
    const type = CST.tokenType(lexeme);
    if (type === 'scalar') {
      scalarFollows = true;
      continue;
    }
    if (type === 'doc-mode' || type === 'flow-error-end') continue;
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      flowDepth += 1;
      if (flowDepth > MAX_YAML_DEPTH) {
        const { line, column } = positionOf(text, offset);
        return { file, line, column, message: nestingMessage(), path: [] };
      }
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') {
      flowDepth = Math.max(0, flowDepth - 1);
    }
    offset += lexeme.length;
  }
  return undefined;
}

function nestingMessage(): string {
  return `mappings and lists are nested more than ${MAX_YAML_DEPTH} levels deep; a shipgate config needs fewer than 10`;
}

function nestingError(file: string, lineCounter: LineCounter, offset: number): ConfigIssue {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col, message: nestingMessage(), path: [] };
}

/** Offset of the first collection nested deeper than allowed, walking the CST without recursion. */
function findExcessiveNesting(tokens: CST.Token[]): number | undefined {
  const stack: Array<{ token: CST.Token | undefined; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() ?? { token: undefined, depth: 0 };
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    const inner = depth + 1;
    if (inner > MAX_YAML_DEPTH) return token.offset;
    for (const item of token.items) {
      if ('key' in item) stack.push({ token: item.key ?? undefined, depth: inner });
      stack.push({ token: item.value, depth: inner });
    }
  }
  return undefined;
}

/** Duplicate keys and keys that are not plain scalars, found without recursion. */
function findKeyErrors(document: Document.Parsed, file: string, lineCounter: LineCounter): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  const at = (node: Node | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line, column: col };
  };
  const stack: unknown[] = [document.contents];
  while (stack.length > 0 && errors.length < MAX_ISSUES) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const name = String(key.value);
          const first = seen.get(name);
          if (first) {
            const firstAt = at(first);
            errors.push({
              ...at(key),
              message: `duplicate key "${name}" (first defined at line ${firstAt.line}, column ${firstAt.column}); each key may appear once in a mapping`,
              path: [],
            });
          } else {
            seen.set(name, key);
          }
        } else if (key !== null) {
          errors.push({ ...at(key), message: 'keys must be plain text, not lists, mappings or aliases', path: [] });
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return errors;
}

function firstAlias(document: Document.Parsed): Node | undefined {
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return node;
    // Children are pushed last-first so they are visited in document order.
    if (isCollection(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    else if (isPair(node)) stack.push(node.value, node.key);
  }
  return undefined;
}

function describeYamlError(code: string, message: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; YAML allows only spaces there';
    case 'MULTIPLE_DOCS':
      return "the file holds more than one YAML document (a second one starts after '---'); keep the whole config in one document";
    case 'RESOURCE_EXHAUSTION':
      return nestingMessage();
    default:
      return `invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  }
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** 1-based line and column of an offset in `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

// ---------------------------------------------------------------------------
// Finding a config path in the document

/** What a config path leads to in a YAML document, as far as it exists. */
export interface YamlPathMatch {
  /** How many path segments were found (equal to the path length when all were). */
  depth: number;
  /** The key of the last segment found, when it is a mapping key. */
  key?: Node;
  /** The node of the last segment found (the document contents when depth is 0). */
  value?: Node;
}

/** Follows a config path (mapping keys and list indexes) through a YAML document. */
export function findYamlPath(document: Document.Parsed, path: ReadonlyArray<string | number>): YamlPathMatch {
  let node = resolveAlias(document, document.contents as Node | null);
  const match: YamlPathMatch = { depth: 0, ...(node ? { value: node } : {}) };
  for (const segment of path) {
    if (isMap(node)) {
      const pair = findPair(node.items as Pair[], String(segment));
      if (!pair) return match;
      node = resolveAlias(document, pair.value as Node | null);
      match.depth += 1;
      match.key = pair.key as Node;
      if (node) match.value = node;
      else delete match.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) return match;
      node = resolveAlias(document, item);
      match.depth += 1;
      delete match.key;
      if (node) match.value = node;
      else delete match.value;
    } else {
      return match;
    }
  }
  return match;
}

function findPair(items: Pair[], name: string): Pair | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const pair = items[i];
    if (pair && isScalar(pair.key) && String(pair.key.value) === name) return pair;
  }
  return undefined;
}

function resolveAlias(document: Document.Parsed, node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  for (let hops = 0; hops < 8 && isAlias(current); hops++) current = current.resolve(document) ?? undefined;
  return isAlias(current) ? undefined : current;
}

/**
 * The position of a path's key or value: the node itself when the whole path
 * exists (a key for `target: 'key'`, the value otherwise, the key when the value
 * is empty); for a path that ends in a missing key, the mapping that lacks it.
 */
export function positionInYaml(
  yaml: Pick<YamlFile, 'document' | 'lineCounter'>,
  path: ReadonlyArray<string | number>,
): { found: number; offset: number; complete: boolean; keyOffset?: number; valueOffset?: number } {
  const match = findYamlPath(yaml.document, path);
  const keyOffset = match.key?.range?.[0];
  const valueRange = match.value?.range;
  const valueOffset = valueRange && valueRange[1] > valueRange[0] ? valueRange[0] : undefined;
  const offset = keyOffset ?? valueOffset ?? 0;
  return {
    found: match.depth,
    offset,
    complete: match.depth === path.length,
    ...(keyOffset !== undefined ? { keyOffset } : {}),
    ...(valueOffset !== undefined ? { valueOffset } : {}),
  };
}

/** A {@link Locate} over one YAML file. */
export function locateInYaml(yaml: Pick<YamlFile, 'file' | 'document' | 'lineCounter'>): Locate {
  return (path, target) => {
    const position = positionInYaml(yaml, path);
    const offset = position.complete && target === 'value' ? (position.valueOffset ?? position.offset) : position.offset;
    const { line, col } = yaml.lineCounter.linePos(offset);
    return { file: yaml.file, line, column: col };
  };
}
