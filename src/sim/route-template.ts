/**
 * Matching request paths against OpenAPI route templates such as
 * `/repos/{owner}/{repo}/contents/{path}`. Octokit encodes `/` inside a
 * parameter as `%2F`, but other clients do not, so parameters that may hold
 * slashes (`path`, `ref`, `basehead`, `branch`) match greedily and the most
 * specific template wins.
 */

const GREEDY = new Set(['path', 'ref', 'basehead', 'branch']);

export interface CompiledTemplate {
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

/** Compiles a template once. */
export function compileTemplate(template: string): CompiledTemplate {
  const names: string[] = [];
  let literalSegments = 0;
  const source = template
    .split('/')
    .map((segment) => {
      if (!segment.includes('{')) {
        if (segment) literalSegments++;
        return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      }
      return segment.replace(/\{([^}]+)\}|([^{]+)/g, (_, name: string | undefined, literal: string | undefined) => {
        if (name === undefined) return (literal ?? '').replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(name);
        return GREEDY.has(name) ? '(.+?)' : '([^/]+)';
      });
    })
    .join('/');
  return { template, regex: new RegExp(`^${source}$`), names, literalSegments };
}

export interface TemplateMatch<T> {
  entry: T;
  params: Record<string, string>;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Finds the best template for `path` (already stripped of query and API prefix).
 * Ties go to the template with more literal segments, then to the one whose
 * greedy parameters hold fewer slashes.
 */
export function matchTemplate<T>(
  entries: readonly T[],
  compiled: (entry: T) => CompiledTemplate,
  path: string,
): TemplateMatch<T> | undefined {
  let best: { match: TemplateMatch<T>; score: [number, number] } | undefined;
  for (const entry of entries) {
    const template = compiled(entry);
    const found = template.regex.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    let slashes = 0;
    template.names.forEach((name, index) => {
      const raw = found[index + 1] ?? '';
      slashes += raw.split('/').length - 1;
      params[name] = decode(raw);
    });
    const score: [number, number] = [template.literalSegments, -slashes];
    if (!best || score[0] > best.score[0] || (score[0] === best.score[0] && score[1] > best.score[1])) {
      best = { match: { entry, params }, score };
    }
  }
  return best?.match;
}
