/**
 * Streams an XML report through saxes with shipgate's guards: an internal DTD
 * subset or any `<!ENTITY>` is refused (reports never need one; an external
 * `<!DOCTYPE coverage SYSTEM "…">` line, as istanbul writes, is accepted and
 * never fetched), nesting is capped, and the input is fed in slices so a large
 * file never becomes one string.
 */
import { SaxesParser } from 'saxes';
import { gateReason, type GateReason } from '../reasons.ts';
import { bytesToChunks, type ReportInput } from './report-input.ts';

/** The element events a report parser handles. */
export interface XmlHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close(name: string): void;
  /** Text and CDATA inside the current element (called in pieces). */
  text?(text: string): void;
}

/** Deepest element nesting accepted. */
export const MAX_XML_DEPTH = 256;

class XmlRefusal extends Error {
  readonly gateReason: GateReason;
  constructor(value: GateReason) {
    super(value.code);
    this.gateReason = value;
  }
}

/**
 * Feeds `input` to `handlers`; returns null when the document was read to the
 * end, or the reason it was refused (`format` names the report in messages).
 * A handler may throw {@link stopXml} to refuse the document with a reason.
 */
export function streamXml(input: ReportInput, format: string, handlers: XmlHandlers): GateReason | null {
  const parser = new SaxesParser({ xmlns: false, position: true });
  let depth = 0;
  parser.on('doctype', (doctype) => {
    if (/<!ENTITY/i.test(doctype)) throw new XmlRefusal(gateReason('report.xml-entity-refused'));
    if (doctype.includes('[')) throw new XmlRefusal(gateReason('report.xml-dtd-refused'));
  });
  parser.on('opentag', (tag) => {
    depth += 1;
    if (depth > MAX_XML_DEPTH) throw new XmlRefusal(gateReason('report.xml-too-deep', { max: MAX_XML_DEPTH }));
    handlers.open(tag.name, tag.attributes);
  });
  parser.on('closetag', (tag) => {
    depth -= 1;
    handlers.close(tag.name);
  });
  const onText = handlers.text;
  if (onText !== undefined) {
    parser.on('text', (text) => onText(text));
    parser.on('cdata', (text) => onText(text));
  }
  try {
    for (const chunk of bytesToChunks(input)) {
      // An entity declaration outside a DOCTYPE is already a syntax error; inside one it is caught above.
      parser.write(chunk);
    }
    parser.close();
  } catch (error) {
    if (error instanceof XmlRefusal) return error.gateReason;
    const message = error instanceof Error ? error.message : String(error);
    return gateReason('report.invalid', { format, error: message.slice(0, 300) });
  }
  return null;
}

/** Refuses the document being streamed, from inside a handler. */
export function stopXml(value: GateReason): never {
  throw new XmlRefusal(value);
}
