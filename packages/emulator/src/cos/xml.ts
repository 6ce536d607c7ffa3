/**
 * The little XML COS speaks: building result documents from plain objects, and reading the
 * `CompleteMultipartUpload` request body.
 * @module
 */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** A value of an element: text, nested elements, a list (repeated element), or nothing. */
export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<?xml …?>` + one root element. */
export function buildXml(root: string, body: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, body)}`;
}

export interface CompletePart {
  partNumber: number;
  etag: string;
}

/**
 * Reads `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…`. Returns the parts
 * in document order, or null when the document is not that shape.
 */
export function parseCompleteBody(xml: string): CompletePart[] | null {
  const doc = xml.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/, '').trim();
  const root = /^<CompleteMultipartUpload(\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>$/.exec(doc);
  if (!root) return null;
  const inner = root[2]!;
  const parts: CompletePart[] = [];
  const rest = inner.replace(/<Part>([\s\S]*?)<\/Part>/g, (_, body: string) => {
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(body);
    const e = /<ETag>([\s\S]*?)<\/ETag>/.exec(body);
    parts.push({ partNumber: n ? Number(n[1]) : NaN, etag: e ? unescapeXml(e[1]!).trim() : '' });
    return '';
  });
  if (rest.trim() !== '') return null;
  if (parts.some((p) => !Number.isInteger(p.partNumber) || !p.etag)) return null;
  return parts;
}
