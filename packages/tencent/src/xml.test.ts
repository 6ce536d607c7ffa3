import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildXml, decodeXmlEntities, escapeXml, parseXml, parseXmlDocument, xmlChild, xmlChildren, xmlChildText } from './xml.ts';

// What cos-nodejs-sdk-v5 3.0.0 sends for CompleteMultipartUpload (util.json2xml, whitespace stripped).
const SDK_COMPLETE =
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag></Part>' +
  '<Part><PartNumber>2</PartNumber><ETag>&quot;d&amp;&lt;&quot;</ETag></Part></CompleteMultipartUpload>';

const LIST_PARTS = `<?xml version='1.0' encoding='utf-8' ?>
<ListPartsResult>
  <Bucket>examplebucket-1250000000</Bucket>
  <Encoding-Type/>
  <Key>视频/a b.mp4</Key>
  <UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>
  <Initiator><ID>qcs::cam::uin/100000000001:uin/100000000001</ID><DisplayName>100000000001</DisplayName></Initiator>
  <PartNumberMarker>0</PartNumberMarker>
  <Part>
    <PartNumber>1</PartNumber>
    <LastModified>2020-03-25T10:07:02.000Z</LastModified>
    <ETag>"e1e5b4965bc7d30880ed6d226f78a5390"</ETag>
    <Size>1048576</Size>
  </Part>
  <NextPartNumberMarker>1</NextPartNumberMarker>
  <MaxParts>1000</MaxParts>
  <IsTruncated>false</IsTruncated>
</ListPartsResult>`;

describe('buildXml', () => {
  it('builds the CompleteMultipartUpload body byte-for-byte as the COS SDK does', () => {
    const xml = buildXml({
      CompleteMultipartUpload: { Part: [{ PartNumber: 1, ETag: '"abc"' }, { PartNumber: 2, ETag: '"d&<"' }] },
    });
    assert.equal(xml, SDK_COMPLETE);
  });

  it('skips null/undefined, renders empty text, escapes, and adds a declaration when asked', () => {
    assert.equal(buildXml({ A: { B: null, C: undefined, D: '', E: "<'x'>", F: true, G: 10n } }), "<A><D/><E>&lt;&apos;x&apos;&gt;</E><F>true</F><G>10</G></A>");
    assert.equal(buildXml({ R: 'x' }, { declaration: true }), '<?xml version="1.0" encoding="UTF-8"?><R>x</R>');
  });

  it('rejects invalid names, characters and documents', () => {
    assert.throws(() => buildXml({ 'bad name': 'x' }), TypeError);
    assert.throws(() => buildXml({ A: { '1x': 'y' } }), TypeError);
    assert.throws(() => buildXml({ A: 'nul\u0000' }), TypeError);
    assert.throws(() => buildXml({ A: 'x', B: 'y' }), TypeError);
    assert.throws(() => buildXml({ A: ['x', 'y'] }), TypeError);
  });

  it('round-trips through the parser', () => {
    const value = { Root: { Key: ' 空格 & "引号" <tag> ', Items: { Item: ['1', '2', '3'] } } };
    assert.deepEqual(parseXml(buildXml(value)), value);
  });
});

describe('parseXml', () => {
  it('parses the SDK CompleteMultipartUpload body with decoded ETags', () => {
    assert.deepEqual(parseXml(SDK_COMPLETE, { arrays: ['Part'] }), {
      CompleteMultipartUpload: { Part: [{ PartNumber: '1', ETag: '"abc"' }, { PartNumber: '2', ETag: '"d&<"' }] },
    });
  });

  it('makes asked-for names arrays even when single, and repeated names arrays anyway', () => {
    const one = parseXml(LIST_PARTS, { arrays: ['Part'] });
    const result = one['ListPartsResult'] as Record<string, unknown>;
    assert.deepEqual(result['Part'], [
      { PartNumber: '1', LastModified: '2020-03-25T10:07:02.000Z', ETag: '"e1e5b4965bc7d30880ed6d226f78a5390"', Size: '1048576' },
    ]);
    assert.equal(result['Key'], '视频/a b.mp4');
    assert.equal(result['Encoding-Type'], '');
    assert.deepEqual(result['Initiator'], { ID: 'qcs::cam::uin/100000000001:uin/100000000001', DisplayName: '100000000001' });
    const notAsked = parseXml(LIST_PARTS)['ListPartsResult'] as Record<string, unknown>;
    assert.equal(Array.isArray(notAsked['Part']), false);
    assert.deepEqual(parseXml('<A><B>1</B><B>2</B><B>3</B><C>x</C></A>'), { A: { B: ['1', '2', '3'], C: 'x' } });
  });

  it('keeps leaf text exactly, including surrounding spaces', () => {
    assert.deepEqual(parseXml('<A><Key>  a  </Key></A>'), { A: { Key: '  a  ' } });
  });

  it('decodes the predefined entities and numeric references, in text, CDATA and attributes', () => {
    const el = parseXmlDocument(`<A x="1&amp;2" y='&quot;'>&quot;&amp;&lt;&gt;&apos;&#65;&#x42;&#x1F600;<![CDATA[&amp;<raw>]]><!-- c --></A>`);
    assert.equal(el.text, `"&<>'AB\u{1F600}&amp;<raw>`);
    assert.deepEqual(el.attributes, { x: '1&2', y: '"' });
  });

  it('does not let element names touch the prototype', () => {
    const out = parseXml('<A><__proto__><polluted>yes</polluted></__proto__><constructor>c</constructor></A>');
    const a = out['A'] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(a), Object.prototype);
    assert.deepEqual(Object.keys(a), ['__proto__', 'constructor']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('offers tree accessors', () => {
    const root = parseXmlDocument(LIST_PARTS);
    assert.equal(root.name, 'ListPartsResult');
    assert.equal(xmlChildText(root, 'IsTruncated'), 'false');
    assert.equal(xmlChildText(root, 'Missing'), undefined);
    assert.equal(xmlChildren(root, 'Part').length, 1);
    assert.equal(xmlChildText(xmlChild(root, 'Initiator'), 'DisplayName'), '100000000001');
    assert.equal(xmlChildText(undefined, 'X'), undefined);
  });

  it('accepts a BOM, declaration, comments and surrounding whitespace', () => {
    assert.deepEqual(parseXml('\uFEFF<?xml version="1.0"?>\n<!-- hi -->\n<A>1</A>\n<!-- bye -->\n'), { A: '1' });
  });

  const malformed: Array<[string, unknown]> = [
    ['', 'empty'],
    ['   ', 'only spaces'],
    ['text', 'no element'],
    ['<A>', 'unclosed'],
    ['<A><B></A>', 'mismatched'],
    ['<A></B>', 'wrong close'],
    ['</A>', 'close without open'],
    ['<A></A><B></B>', 'two roots'],
    ['<A></A>trailing', 'text after root'],
    ['x<A></A>', 'text before root'],
    ['<A>&unknown;</A>', 'unknown entity'],
    ['<A>&constructor;</A>', 'prototype entity'],
    ['<A>a & b</A>', 'bare ampersand'],
    ['<A>&#0;</A>', 'NUL reference'],
    ['<A>&#xD800;</A>', 'surrogate reference'],
    ['<A>&#x110000;</A>', 'out of range reference'],
    ['<A>&amp</A>', 'unterminated entity'],
    ['<A x=1></A>', 'unquoted attribute'],
    ['<A x="1" x="2"></A>', 'duplicate attribute'],
    ['<A x="1"y="2"></A>', 'attribute without space'],
    ['<A x="<"></A>', 'lt in attribute'],
    ['<A x="1></A>', 'unterminated attribute'],
    ['<A', 'unterminated start tag'],
    ['<', 'lone lt'],
    ['<>', 'empty tag'],
    ['<A><!-- never closed</A>', 'unterminated comment'],
    ['<A><![CDATA[x</A>', 'unterminated CDATA'],
    ['<![CDATA[x]]>', 'CDATA outside root'],
    ['<?xml version="1.0"', 'unterminated declaration'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><A>&x;</A>', 'DOCTYPE'],
    ['<1A></1A>', 'bad name'],
  ];
  for (const [input, label] of malformed) {
    it(`rejects malformed input with a SyntaxError: ${label}`, () => {
      assert.throws(() => parseXml(input as string), SyntaxError);
    });
  }

  it('rejects non-string input with a SyntaxError, not a TypeError from inside', () => {
    for (const input of [undefined, null, 42, {}, new Uint8Array(3)]) {
      assert.throws(() => parseXml(input as unknown as string), SyntaxError);
    }
  });

  it('limits nesting depth and stays fast on adversarial input', () => {
    assert.throws(() => parseXml('<a>'.repeat(65) + '</a>'.repeat(65)), /deeper than 64/);
    assert.deepEqual(parseXml('<a>'.repeat(3) + '</a>'.repeat(3), { maxDepth: 3 }), { a: { a: { a: '' } } });
    const started = performance.now();
    assert.throws(() => parseXml('<A>' + '<B x="1" '.repeat(50_000)), SyntaxError);
    assert.throws(() => parseXml('<A>' + '&amp'.repeat(100_000) + '</A>'), SyntaxError);
    assert.throws(() => parseXml('<A>' + '<!--'.repeat(100_000)), SyntaxError);
    const big = '<R>' + '<Part><PartNumber>1</PartNumber><ETag>&quot;x&quot;</ETag></Part>'.repeat(10_000) + '</R>';
    assert.equal(((parseXml(big, { arrays: ['Part'] })['R'] as Record<string, unknown>)['Part'] as unknown[]).length, 10_000);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('entities helpers', () => {
  it('escapeXml and decodeXmlEntities are inverse', () => {
    const text = `a&b<c>d"e'f &amp; 中`;
    assert.equal(escapeXml(text), 'a&amp;b&lt;c&gt;d&quot;e&apos;f &amp;amp; 中');
    assert.equal(decodeXmlEntities(escapeXml(text)), text);
    assert.equal(decodeXmlEntities('no entities'), 'no entities');
  });
});
