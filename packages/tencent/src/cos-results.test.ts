import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseCompleteMultipartUploadResult,
  parseCosErrorBody,
  parseInitiateMultipartUploadResult,
  parseListMultipartUploadsResult,
  parseListPartsResult,
} from './cos-results.ts';

describe('COS XML results', () => {
  it('reads the <Error> body with its optional fields, and nothing else', () => {
    assert.deepEqual(
      parseCosErrorBody(
        `<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n  <Code>SignatureDoesNotMatch</Code>\n  <Message>The Signature you specified does not match.</Message>\n  <Resource>b-125.cos.ap-guangzhou.myqcloud.com/k</Resource>\n  <RequestId>rid</RequestId>\n  <TraceId>tid</TraceId>\n  <StringToSign>sha1\n1;2\nabc\n</StringToSign>\n</Error>`,
      ),
      {
        code: 'SignatureDoesNotMatch',
        message: 'The Signature you specified does not match.',
        requestId: 'rid',
        resource: 'b-125.cos.ap-guangzhou.myqcloud.com/k',
        traceId: 'tid',
      },
    );
    for (const body of ['', '<html>502</html>', '<Error><Message>no code</Message></Error>', '<Error><Code>x', '<ListPartsResult/>']) {
      assert.equal(parseCosErrorBody(body), undefined, body);
    }
  });

  it('rejects the wrong document or missing required fields with a SyntaxError', () => {
    assert.throws(() => parseListPartsResult('<ListBucketResult/>'), SyntaxError);
    assert.throws(() => parseListPartsResult('<ListPartsResult><Part><PartNumber>x</PartNumber><ETag>"e"</ETag><Size>1</Size></Part></ListPartsResult>'), SyntaxError);
    assert.throws(() => parseListPartsResult('<ListPartsResult><Part><PartNumber>1</PartNumber><Size>1</Size></Part></ListPartsResult>'), SyntaxError);
    assert.throws(() => parseInitiateMultipartUploadResult('<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>'), SyntaxError);
    assert.throws(() => parseCompleteMultipartUploadResult('<CompleteMultipartUploadResult><Location>l</Location></CompleteMultipartUploadResult>'), SyntaxError);
    assert.throws(() => parseListMultipartUploadsResult('<ListMultipartUploadsResult><Upload><Key>k</Key></Upload></ListMultipartUploadsResult>'), SyntaxError);
  });

  it('reads an empty, untruncated listing', () => {
    assert.deepEqual(parseListPartsResult('<ListPartsResult><IsTruncated>false</IsTruncated><NextPartNumberMarker/></ListPartsResult>'), {
      parts: [],
      isTruncated: false,
      nextPartNumberMarker: undefined,
    });
    assert.deepEqual(parseListMultipartUploadsResult('<ListMultipartUploadsResult/>'), {
      uploads: [],
      isTruncated: false,
      nextKeyMarker: undefined,
      nextUploadIdMarker: undefined,
    });
  });
});
