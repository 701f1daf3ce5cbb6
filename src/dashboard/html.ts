/**
 * The dashboard's one way to write HTML: the `html` tagged template escapes
 * every interpolated value, in text and in (quoted) attribute values alike, so
 * a branch, a pipeline or a login named `<img src=x onerror=alert(1)>` shows as
 * text. Only a `SafeHtml` (another `html` template, or an explicit `raw()` of
 * markup the dashboard wrote itself) is inserted as it is. An attribute value
 * left unquoted (`href=${url}`) is refused when the template is first used:
 * escaping cannot keep a space or `>` from ending it.
 */

/** Markup that is already safe to insert: built by `html` or marked with `raw()`. */
export class SafeHtml {
  readonly #html: string;

  constructor(markup: string) {
    this.#html = markup;
  }

  /** The markup. */
  toString(): string {
    return this.#html;
  }
}

/** What a template may interpolate: text and numbers (escaped), markup, nothing (`null`, `undefined`, `false`: empty), or lists of these. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `&`, `<`, `>`, `"` and `'` as entities: safe as text and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * Trusted markup, inserted unescaped. Only for fragments the dashboard wrote
 * itself (never for anything read from GitHub, the store or the request).
 */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Renders one interpolated value: markup as it is, anything else escaped, lists joined. */
function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item)).join('');
  return escapeHtml(String(value));
}

/** An unquoted attribute value right before an interpolation: `name=` at the end of the static text. */
const UNQUOTED_ATTRIBUTE = /=\s*$/;
const checkedTemplates = new WeakSet<TemplateStringsArray>();

function checkTemplate(strings: TemplateStringsArray): void {
  if (checkedTemplates.has(strings)) return;
  for (let i = 0; i < strings.length - 1; i++) {
    if (UNQUOTED_ATTRIBUTE.test(strings[i] ?? '')) {
      throw new TypeError(`html template: quote the attribute value before interpolation ${i + 1} (after ${JSON.stringify((strings[i] ?? '').slice(-20))})`);
    }
  }
  checkedTemplates.add(strings);
}

/** The `html` tag: `html\`<a href="${url}">${name}</a>\`` escapes `url` and `name`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  checkTemplate(strings);
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** A list of fragments joined with `separator` (itself escaped unless it is markup). */
export function join(items: readonly HtmlValue[], separator: HtmlValue): SafeHtml {
  return new SafeHtml(items.map((item) => render(item)).join(render(separator)));
}
