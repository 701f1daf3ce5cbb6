import { describe, expect, it } from 'vitest';
import { gateReason } from '../../../src/gates/reasons.ts';
import { stopXml, streamXml } from '../../../src/gates/parsers/xml-stream.ts';

const events = (xml: string | Uint8Array) => {
  const seen: string[] = [];
  const refusal = streamXml(xml, 'test', {
    open: (name, attributes) => seen.push(`<${name}${Object.entries(attributes).map(([k, v]) => ` ${k}=${v}`).join('')}>`),
    close: (name) => seen.push(`</${name}>`),
    text: (text) => (text.trim() ? seen.push(text.trim()) : 0),
  });
  return { seen, refusal };
};

describe('streamXml', () => {
  it('streams elements, attributes, text and CDATA; accepts an external DOCTYPE without fetching it', () => {
    const xml = '<?xml version="1.0"?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n<a x="1&amp;2"><b>t&lt;</b><![CDATA[<raw>]]></a>';
    expect(events(xml)).toEqual({ seen: ['<a x=1&2>', '<b>', 't<', '</b>', '<raw>', '</a>'], refusal: null });
  });

  it('decodes UTF-8 split across slices', () => {
    const bytes = new TextEncoder().encode(`<a>${'é'.repeat(700_000)}</a>`);
    const { seen, refusal } = events(bytes);
    expect(refusal).toBeNull();
    expect(seen.slice(1, -1).join('')).toBe('é'.repeat(700_000));
  });

  it.each([
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'report.xml-entity-refused'],
    ['<!DOCTYPE a SYSTEM "a.dtd" [<!ELEMENT a ANY>]><a/>', 'report.xml-dtd-refused'],
    ['<a><b></a>', 'report.invalid'],
    ['<a>&x;</a>', 'report.invalid'],
  ])('refuses %s', (xml, code) => {
    expect(events(xml).refusal?.code).toBe(code);
  });

  it('lets a handler refuse the document', () => {
    const refusal = streamXml('<x/>', 'test', { open: () => stopXml(gateReason('report.empty', { format: 'test', what: 'y' })), close: () => {} });
    expect(refusal).toEqual({ code: 'report.empty', format: 'test', what: 'y' });
  });
});
