import { describe, expect, it } from 'vitest';
import { escapeHtml, html, join, raw, SafeHtml } from '../../src/dashboard/html.ts';

const XSS = '<img src=x onerror=alert(1)>';

describe('html tagged template', () => {
  it('escapes an interpolated string in text', () => {
    expect(String(html`<p>${XSS}</p>`)).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('escapes quotes in a quoted attribute, so the value cannot end the attribute', () => {
    const value = `" onmouseover="alert(1)' x='`;
    const out = String(html`<a title="${value}" data-x='${value}'>t</a>`);
    expect(out).toBe('<a title="&quot; onmouseover=&quot;alert(1)&#39; x=&#39;" data-x=\'&quot; onmouseover=&quot;alert(1)&#39; x=&#39;\'>t</a>');
    expect(out).not.toContain('" onmouseover="');
  });

  it('escapes & so entities in data are shown, not decoded', () => {
    expect(String(html`${'&lt;b&gt; & co'}`)).toBe('&amp;lt;b&amp;gt; &amp; co');
  });

  it('inserts a nested template as markup, escaping its own values once', () => {
    const inner = html`<b>${XSS}</b>`;
    expect(String(html`<p>${inner}</p>`)).toBe('<p><b>&lt;img src=x onerror=alert(1)&gt;</b></p>');
  });

  it('joins arrays of templates and strings, escaping the strings', () => {
    const items = ['a<b', html`<i>c</i>`, 3, [XSS, html`<br>`]];
    expect(String(html`<p>${items}</p>`)).toBe('<p>a&lt;b<i>c</i>3&lt;img src=x onerror=alert(1)&gt;<br></p>');
  });

  it('renders null, undefined and false as nothing but 0 and true as text', () => {
    expect(String(html`[${null}${undefined}${false}|${0}|${true}]`)).toBe('[|0|true]');
  });

  it('inserts raw() markup unescaped, and only that', () => {
    expect(String(html`<p>${raw('<em>ok</em>')}${'<em>no</em>'}</p>`)).toBe('<p><em>ok</em>&lt;em&gt;no&lt;/em&gt;</p>');
    expect(raw('<x>')).toBeInstanceOf(SafeHtml);
  });

  it('refuses an unquoted attribute value, which escaping cannot protect', () => {
    const url = 'x onclick=alert(1)';
    expect(() => html`<a href=${url}>x</a>`).toThrow(/quote the attribute value/);
    expect(() => html`<a href= ${url}>x</a>`).toThrow(TypeError);
    // Quoted, the same value is harmless.
    expect(String(html`<a href="${url}">x</a>`)).toBe('<a href="x onclick=alert(1)">x</a>');
  });

  it('does not treat an = in text before an interpolation as an attribute once quoted text follows', () => {
    expect(String(html`<p>a = "${'b'}"</p>`)).toBe('<p>a = "b"</p>');
  });

  it('escapes all five special characters and leaves the rest', () => {
    expect(escapeHtml(`&<>"'/\`=`)).toBe('&amp;&lt;&gt;&quot;&#39;/`=');
    expect(escapeHtml('plain text ✓')).toBe('plain text ✓');
  });

  it('join escapes a text separator and keeps a markup one', () => {
    expect(String(join(['a', 'b<'], '<'))).toBe('a&lt;b&lt;');
    expect(String(join(['a', 'b'], html`<br>`))).toBe('a<br>b');
  });
});
