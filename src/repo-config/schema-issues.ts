/**
 * Turns zod issues into messages a config author can act on: the config path, what
 * was expected, what was found, and for a misspelt key or value the nearest valid one.
 */
import type { z } from 'zod';
import { formatConfigPath, MAX_ISSUES, type UnplacedIssue } from './config-issue.ts';
import { suggestNearest } from './suggest.ts';

type Issue = z.core.$ZodIssue;

/** Unplaced issues for the zod issues of parsing `input` with `schema`. */
export function describeSchemaIssues(issues: readonly Issue[], input: unknown, schema: z.ZodType): UnplacedIssue[] {
  const described: UnplacedIssue[] = [];
  for (const issue of issues) {
    if (described.length >= MAX_ISSUES) break;
    described.push(...describeIssue(issue, input, schema));
  }
  return described;
}

function describeIssue(issue: Issue, input: unknown, schema: z.ZodType): UnplacedIssue[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  const value = valueAt(input, path);
  const where = formatConfigPath(path);
  const at = (message: string) => (where === '' ? message : `${where}: ${message}`);

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path, input);
      return issue.keys.map((key) => {
        const hint = suggestNearest(key, known);
        const expected = known.length > 0 && known.length <= 12 ? `; expected one of: ${known.join(', ')}` : '';
        return {
          path: [...path, key],
          target: 'key' as const,
          message: at(`unknown key "${key}"${expected}`),
          ...(hint !== undefined ? { hint: `did you mean "${hint}"?` } : {}),
        };
      });
    }
    case 'invalid_key': {
      const key = path[path.length - 1];
      const reason = issue.issues.map((inner) => inner.message).join('; ');
      const lower = String(key).toLowerCase();
      const hint = lower !== String(key) && isValidKeyAt(schema, path.slice(0, -1), input, lower) ? { hint: `did you mean "${lower}"?` } : {};
      return [{ path, target: 'key', message: at(`invalid key "${String(key)}": ${reason}`), ...hint }];
    }
    case 'invalid_type': {
      if (value === undefined) {
        const parent = path.slice(0, -1);
        const key = path[path.length - 1];
        const parentWhere = formatConfigPath(parent);
        const message = `missing required key "${String(key)}" (expected ${expectedNoun(issue.expected)})`;
        return [{ path, target: 'value', message: parentWhere === '' ? message : `${parentWhere}: ${message}` }];
      }
      const quoteHint =
        issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? { hint: `quote it to make it a string: '${String(value)}'` }
          : {};
      return [
        {
          path,
          target: 'value',
          message: at(`expected ${expectedNoun(issue.expected)}, got ${describeValue(value)}`),
          ...quoteHint,
        },
      ];
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
        if (value === undefined) {
          const parentWhere = formatConfigPath(path.slice(0, -1));
          const message = `missing required key "${issue.discriminator}" (expected one of: ${options.join(', ')})`;
          return [{ path, target: 'value', message: parentWhere === '' ? message : `${parentWhere}: ${message}` }];
        }
        const hint = typeof value === 'string' ? suggestNearest(value, options) : undefined;
        return [
          {
            path,
            target: 'value',
            message: at(`expected one of: ${options.join(', ')}, got ${describeValue(value)}`),
            ...(hint !== undefined ? { hint: `did you mean "${hint}"?` } : {}),
          },
        ];
      }
      const expected = unionExpectations(issue.errors);
      if (value === undefined) {
        const parentWhere = formatConfigPath(path.slice(0, -1));
        const message = `missing required key "${String(path[path.length - 1])}" (expected ${expected})`;
        return [{ path, target: 'value', message: parentWhere === '' ? message : `${parentWhere}: ${message}` }];
      }
      return [{ path, target: 'value', message: at(`expected ${expected}, got ${describeValue(value)}`) }];
    }
    case 'invalid_value': {
      const options = issue.values.map((option) => (typeof option === 'string' ? option : String(option)));
      const hint = typeof value === 'string' ? suggestNearest(value, options) : undefined;
      const expected = options.length === 1 ? `${options[0]}` : `one of: ${options.join(', ')}`;
      if (value === undefined) {
        return [{ path, target: 'value', message: at(`missing required value (expected ${expected})`) }];
      }
      return [
        {
          path,
          target: 'value',
          message: at(`expected ${expected}, got ${describeValue(value)}`),
          ...(hint !== undefined ? { hint: `did you mean "${hint}"?` } : {}),
        },
      ];
    }
    case 'too_small':
      return [{ path, target: 'value', message: at(describeBound('at least', issue.origin, issue.minimum, issue.inclusive, value)) }];
    case 'too_big':
      return [{ path, target: 'value', message: at(describeBound('at most', issue.origin, issue.maximum, issue.inclusive, value)) }];
    case 'invalid_format':
      return [{ path, target: 'value', message: at(`${issue.message}, got ${describeValue(value)}`) }];
    case 'not_multiple_of':
      return [{ path, target: 'value', message: at(`expected a multiple of ${String(issue.divisor)}, got ${describeValue(value)}`) }];
    case 'custom':
      // A check of ours may point at the key it is about (`params: { target: 'key' }`), such as a second job kind.
      return [{ path, target: issue.params?.['target'] === 'key' ? 'key' : 'value', message: at(issue.message) }];
    default:
      return [{ path, target: 'value', message: at(issue.message) }];
  }
}

function describeBound(
  direction: 'at least' | 'at most',
  origin: string,
  bound: number | bigint | Date,
  inclusive: boolean | undefined,
  value: unknown,
): string {
  const limit = Number(bound);
  switch (origin) {
    case 'array':
      return `expected ${direction} ${limit} item${limit === 1 ? '' : 's'}, got ${Array.isArray(value) ? value.length : 0}`;
    case 'string':
      if (direction === 'at least' && limit === 1) return 'must not be empty';
      return `expected ${direction} ${limit} characters, got ${typeof value === 'string' ? value.length : 0}`;
    default: {
      const comparison = inclusive === false ? (direction === 'at least' ? 'more than' : 'less than') : direction;
      return `expected a number ${comparison} ${limit}, got ${describeValue(value)}`;
    }
  }
}

function unionExpectations(branches: ReadonlyArray<readonly Issue[]>): string {
  const nouns: string[] = [];
  for (const branch of branches) {
    const first = branch[0];
    if (first?.code === 'invalid_type' && first.path.length === 0) nouns.push(expectedNoun(first.expected));
  }
  if (nouns.length === 0) return 'a different value';
  if (nouns.length === 1) return nouns[0] ?? '';
  return `${nouns.slice(0, -1).join(', ')} or ${nouns[nouns.length - 1]}`;
}

/** How an expected zod type reads in a message. */
function expectedNoun(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping (key: value)';
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'an empty value';
    default:
      return expected;
  }
}

/** How a YAML value reads in a message. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return value.length > 60 ? `"${value.slice(0, 60)}…"` : JSON.stringify(value);
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** The value at a config path in plain data. */
export function valueAt(input: unknown, path: ReadonlyArray<string | number>): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

// ---------------------------------------------------------------------------
// Which keys a strict object at a path accepts (for suggestions)

interface LooseDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

function defOf(schema: z.ZodType): LooseDef {
  return schema.def as unknown as LooseDef;
}

/** Strips wrappers (optional, default, nullable, pipes) down to the schema that checks the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
}

/** The schema (unwrapped, a union resolved by the value in `input`) that checks the value at `path`, if any. */
function schemaAt(root: z.ZodType, path: ReadonlyArray<string | number>, input: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = unwrap(root);
  let depth = 0;
  for (let steps = 0; schema && steps < 100; steps++) {
    const def = defOf(schema);
    if (def.type === 'union' && def.options) {
      schema = pickUnionOption(def, valueAt(input, path.slice(0, depth)));
      continue;
    }
    if (depth === path.length) return schema;
    const segment = path[depth];
    depth += 1;
    if (def.type === 'object' && def.shape) schema = def.shape[String(segment)];
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'array') schema = def.element;
    else return undefined;
    schema = schema ? unwrap(schema) : undefined;
  }
  return undefined;
}

/** The keys the object schema at `path` accepts; `[]` when there is no such object. */
export function knownKeysAt(root: z.ZodType, path: ReadonlyArray<string | number>, input: unknown): string[] {
  const schema = schemaAt(root, path, input);
  const def = schema ? defOf(schema) : undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/**
 * Whether `key` is a valid key of the record at `path` (to suggest `ci` for `CI`
 * only where lowercase names are valid, and never `a-b` for a GitLab variable `A-B`).
 */
function isValidKeyAt(root: z.ZodType, path: ReadonlyArray<string | number>, input: unknown, key: string): boolean {
  const schema = schemaAt(root, path, input);
  const keyType = schema ? defOf(schema).keyType : undefined;
  return keyType !== undefined && keyType.safeParse(key).success;
}

function pickUnionOption(def: LooseDef, value: unknown): z.ZodType | undefined {
  const options = (def.options ?? []).map(unwrap);
  if (def.discriminator && value !== null && typeof value === 'object') {
    const tag = (value as Record<string, unknown>)[def.discriminator];
    for (const option of options) {
      const shape = defOf(option).shape;
      const literal = shape?.[def.discriminator];
      const values = literal ? (defOf(unwrap(literal)) as LooseDef & { values?: unknown[] }).values : undefined;
      if (values?.includes(tag)) return option;
    }
  }
  return options.find((option) => defOf(option).type === 'object');
}
