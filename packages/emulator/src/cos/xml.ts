/**
 * The little XML COS speaks, on top of `@vod-uploader/tencent`'s XML module: result documents from plain
 * objects, and reading the `CompleteMultipartUpload` request body.
 * @module
 */
import { buildXml as build, parseXmlDocument, xmlChildren, xmlChildText, type XmlInputObject } from '@vod-uploader/tencent';

export type { XmlInputObject };

/** `<?xml …?>` + one root element. */
export function buildXml(root: string, body: XmlInputObject): string {
  return build({ [root]: body }, { declaration: true });
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
  let doc;
  try {
    doc = parseXmlDocument(xml);
  } catch {
    return null;
  }
  if (doc.name !== 'CompleteMultipartUpload' || doc.children.some((c) => c.name !== 'Part')) return null;
  const parts = xmlChildren(doc, 'Part').map((p) => {
    const n = xmlChildText(p, 'PartNumber')?.trim() ?? '';
    return { partNumber: /^\d{1,5}$/.test(n) ? Number(n) : NaN, etag: xmlChildText(p, 'ETag')?.trim() ?? '' };
  });
  return parts.some((p) => !Number.isInteger(p.partNumber) || !p.etag) ? null : parts;
}
