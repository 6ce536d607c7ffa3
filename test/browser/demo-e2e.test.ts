// The demo end to end, as `npm install && npm start` gives it: the page, the signer bin and the emulator bin, a
// disk-backed 24 MiB file (multipart) and a real WebM uploaded from the page, listed with cover/name/size/status,
// played from the emulator, and submitted through the form as FileIds. Driven by the `demo-e2e` server command.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';

interface Row { fileId: string; cells: string[]; cover: string | null }
interface Item { name: string; status: string; result: { fileId: string; mediaUrl: string; coverUrl?: string } | null; partsTotal: number | null; hasCover: boolean }
interface DemoRun {
  items: Item[];
  expectedSha1: string;
  storedSha1: string;
  storedSize: number;
  played: { src: string; width: number; duration: number };
  submitted: string;
  errors: string[];
}

describe('demo (npm start) end to end', () => {
  it('uploads a disk-backed file and a recorded video from the page, lists, plays and submits them', async function () {
    this.timeout(240_000);
    const { url } = await executeServerCommand<{ url: string }, { mib: number }>('demo-start', { mib: 24 });
    expect(new URL(url).hostname).to.equal('127.0.0.1');
    let rows: Row[] | null = null;
    for (let i = 0; i < 12 && !rows; i++) rows = (await executeServerCommand<{ rows: Row[] | null }, undefined>('demo-wait')).rows;
    expect(rows, 'both uploads listed').to.not.equal(null);
    const run = await executeServerCommand<DemoRun, undefined>('demo-finish');
    expect(run.errors, 'page errors').to.deep.equal([]);

    const big = run.items.find((i) => i.name === 'big-upload.mp4')!;
    const webm = run.items.find((i) => i.name === 'sunrise.webm')!;
    expect(big.status, JSON.stringify(big)).to.equal('done');
    expect(big.partsTotal, 'multipart').to.be.greaterThan(1);
    expect(run.storedSize).to.equal(24 * 1024 * 1024);
    expect(run.storedSha1, 'bytes stored by the emulator').to.equal(run.expectedSha1);
    expect(webm.status).to.equal('done');
    expect(webm.hasCover, 'a poster frame was grabbed').to.equal(true);
    expect(webm.result!.coverUrl, 'cover uploaded with the video').to.be.a('string').and.not.equal('');

    const row = rows!.find((r) => r.fileId === webm.result!.fileId)!;
    expect(row.cells[1], 'VOD media name').to.equal('sunrise');
    expect(row.cells[3], 'the task flow ended').to.equal('ready');
    expect(row.cells[2]).to.match(/[kKM]B/);
    expect(row.cover).to.be.a('string');
    expect(rows!.find((r) => r.fileId === big.result!.fileId)!.cells[2]).to.match(/25\.2\s?MB/);

    expect(run.played.src).to.equal(webm.result!.mediaUrl);
    expect(run.played.width).to.equal(640);
    expect(run.submitted).to.include(big.result!.fileId).and.include(webm.result!.fileId);
  });
});
