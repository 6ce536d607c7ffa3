/**
 * A tiny XML builder and parser, enough for COS's XML bodies (and for an emulator reading the official SDK's
 * `CompleteMultipartUpload`). Elements, attributes, text, CDATA, comments and the XML declaration; the five
 * predefined entities and numeric character references. No DOCTYPE, no custom entities, no namespaces
 * processing. Linear-time and iterative: malformed input throws a `SyntaxError` with an offset, never hangs.
 * @module
 */

/** A parsed element. `text` is the decoded character data directly inside it (CDATA included). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export interface XmlParseOptions {
  /** Deepest element nesting accepted. Default 64. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const NAME = /[A-Za-z_:\u00C0-\uFFFF][-\w.:\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\r\n]*/y;
const NAMED_ENTITIES: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Decodes `&quot; &amp; &lt; &gt; &apos;` and `&#N;`/`&#xH;`. Throws a `SyntaxError` on a bare `&`, an unknown
 * entity or a reference to a character XML does not allow. `offset` only shapes the error message.
 */
export function decodeXmlEntities(raw: string, offset = 0): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    const ref = semi === -1 || semi - amp > 12 ? undefined : raw.slice(amp + 1, semi);
    let decoded: string | undefined;
    if (ref !== undefined) {
      if (Object.hasOwn(NAMED_ENTITIES, ref)) decoded = NAMED_ENTITIES[ref];
      else {
        const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
        const cp = m ? parseInt(m[1] ?? m[2]!, m[1] ? 16 : 10) : NaN;
        if (isXmlChar(cp)) decoded = String.fromCodePoint(cp);
      }
    }
    if (decoded === undefined) throw new SyntaxError(`Invalid XML at offset ${offset + amp}: bad entity or bare '&'.`);
    out += raw.slice(from, amp) + decoded;
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

/** Escapes text for element content or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}

/** Parses a document into its root element. Throws a `SyntaxError` on malformed or unsupported input. */
export function parseXmlDocument(input: string, options: XmlParseOptions = {}): XmlElement {
  if (typeof input !== 'string') throw new SyntaxError('Invalid XML: input is not a string.');
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const s = input;
  const n = s.length;
  let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string, at = i): never => {
    throw new SyntaxError(`Invalid XML at offset ${at}: ${message}`);
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) fail('expected a name');
    i = NAME.lastIndex;
    return m![0];
  };
  const skipSpace = (): boolean => {
    SPACE.lastIndex = i;
    SPACE.exec(s);
    const moved = SPACE.lastIndex > i;
    i = SPACE.lastIndex;
    return moved;
  };
  const skipPast = (terminator: string, what: string): number => {
    const at = s.indexOf(terminator, i);
    if (at === -1) fail(`unterminated ${what}`);
    i = at + terminator.length;
    return at;
  };

  while (i < n) {
    const lt = s.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    if (end > i) {
      const raw = s.slice(i, end);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeXmlEntities(raw, i);
      else if (/[^ \t\r\n]/.test(raw)) fail('text outside the root element');
      i = end;
      continue;
    }
    if (s.startsWith('<?', i)) {
      i += 2;
      skipPast('?>', 'processing instruction');
    } else if (s.startsWith('<!--', i)) {
      i += 4;
      skipPast('-->', 'comment');
    } else if (s.startsWith('<![CDATA[', i)) {
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      const start = i + 9;
      i = start;
      const close = skipPast(']]>', 'CDATA section');
      top!.text += s.slice(start, close);
    } else if (s.startsWith('<!', i)) {
      fail('DOCTYPE and other declarations are not supported');
    } else if (s.startsWith('</', i)) {
      const at = i;
      i += 2;
      const name = readName();
      skipSpace();
      if (s[i] !== '>') fail("expected '>'");
      i++;
      const open = stack.pop();
      if (!open) fail(`unexpected closing tag </${name}>`, at);
      if (open!.name !== name) fail(`</${name}> does not close <${open!.name}>`, at);
    } else {
      const at = i;
      i += 1;
      const el: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
      let selfClosing = false;
      for (;;) {
        const spaced = skipSpace();
        if (s.startsWith('/>', i)) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (s[i] === '>') {
          i++;
          break;
        }
        if (i >= n) fail('unterminated start tag');
        if (!spaced) fail('expected whitespace before an attribute');
        const attr = readName();
        skipSpace();
        if (s[i] !== '=') fail("expected '=' after an attribute name");
        i++;
        skipSpace();
        const quote = s[i];
        if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
        const start = i + 1;
        const close = s.indexOf(quote!, start);
        if (close === -1) fail('unterminated attribute value');
        const value = s.slice(start, close);
        if (value.includes('<')) fail("'<' in an attribute value", start);
        if (Object.hasOwn(el.attributes, attr)) fail(`duplicate attribute ${attr}`, start);
        Object.defineProperty(el.attributes, attr, { value: decodeXmlEntities(value, start), enumerable: true, writable: true, configurable: true });
        i = close + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) fail('more than one root element', at);
      else root = el;
      if (!selfClosing) {
        if (stack.length >= maxDepth) fail(`nesting deeper than ${maxDepth}`, at);
        stack.push(el);
      }
    }
  }
  if (stack.length) fail(`unclosed element <${stack[stack.length - 1]!.name}>`);
  if (!root) fail('no root element');
  return root!;
}

/** The first child element named `name`. */
export function xmlChild(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All child elements named `name`. */
export function xmlChildren(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The text of the first child element named `name`, or undefined when there is none. */
export function xmlChildText(el: XmlElement | undefined, name: string): string | undefined {
  return xmlChild(el, name)?.text;
}

/** A parsed element as plain data: leaf elements are their text, others objects of their children. */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export interface XmlToObjectOptions extends XmlParseOptions {
  /**
   * Element names that are always arrays (`['Part', 'Upload']`), even when they occur once. Other names
   * become arrays only when they repeat.
   */
  arrays?: Iterable<string>;
}

function setOwn(obj: XmlObject, key: string, value: XmlValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function toValue(el: XmlElement, arrays: ReadonlySet<string>): XmlValue {
  if (el.children.length === 0) return el.text;
  const obj: XmlObject = {};
  const repeated = new Set<string>();
  for (const child of el.children) {
    const value = toValue(child, arrays);
    const { name } = child;
    if (!Object.hasOwn(obj, name)) setOwn(obj, name, arrays.has(name) ? [value] : value);
    else if (arrays.has(name) || repeated.has(name)) (obj[name] as XmlValue[]).push(value);
    else {
      setOwn(obj, name, [obj[name]!, value]);
      repeated.add(name);
    }
  }
  return obj;
}

/**
 * Parses a document into plain data keyed by the root's name:
 * `<A><B>1</B><B>2</B><C/></A>` → `{ A: { B: ['1', '2'], C: '' } }`. Attributes are dropped.
 */
export function parseXml(input: string, options: XmlToObjectOptions = {}): XmlObject {
  const root = parseXmlDocument(input, options);
  const out: XmlObject = {};
  setOwn(out, root.name, toValue(root, new Set(options.arrays ?? [])));
  return out;
}

/** Values `buildXml` accepts: scalars become text, objects child elements, arrays repeated elements. */
export type XmlInput = string | number | boolean | bigint | null | undefined | XmlInputObject | readonly XmlInput[];
export interface XmlInputObject {
  readonly [name: string]: XmlInput;
}

export interface XmlBuildOptions {
  /** Prepend `<?xml version="1.0" encoding="UTF-8"?>`. Default false (the COS SDKs send none). */
  declaration?: boolean;
}

const BUILD_NAME = /^[A-Za-z_][-\w.]*$/;
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function buildElement(name: string, value: XmlInput, out: string[], depth: number): void {
  if (value === null || value === undefined) return;
  if (depth > DEFAULT_MAX_DEPTH) throw new TypeError('buildXml: nesting too deep.');
  if (Array.isArray(value)) {
    for (const item of value as readonly XmlInput[]) buildElement(name, item, out, depth + 1);
    return;
  }
  if (!BUILD_NAME.test(name)) throw new TypeError(`buildXml: invalid element name ${JSON.stringify(name)}.`);
  if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [k, v] of Object.entries(value)) buildElement(k, v, out, depth + 1);
    out.push(`</${name}>`);
    return;
  }
  const text = String(value);
  if (NOT_XML_CHAR.test(text)) throw new TypeError(`buildXml: <${name}> contains a character XML cannot carry.`);
  out.push(text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`);
}

/**
 * Builds compact XML (no whitespace between elements), as the COS SDKs send it:
 * `buildXml({ CompleteMultipartUpload: { Part: [{ PartNumber: 1, ETag: '"…"' }] } })` →
 * `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;…&quot;</ETag></Part></CompleteMultipartUpload>`.
 * `null`/`undefined` members are skipped. Throws a `TypeError` on invalid names or characters.
 */
export function buildXml(document: XmlInputObject, options: XmlBuildOptions = {}): string {
  const entries = Object.entries(document);
  if (entries.length !== 1 || Array.isArray(entries[0]![1])) throw new TypeError('buildXml: the document needs exactly one root element.');
  const out: string[] = options.declaration ? ['<?xml version="1.0" encoding="UTF-8"?>'] : [];
  const [name, value] = entries[0]!;
  buildElement(name, value ?? '', out, 0);
  return out.join('');
}
