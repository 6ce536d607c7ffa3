// <vod-uploader> without the network: attributes ↔ properties, validation with reasons, events, drag and drop with
// a real DataTransfer, paste, keyboard, locales, styling hooks and axe checks per state.
import { expect } from '@esm-bundle/chai';
import { emulateMedia, executeServerCommand, sendKeys } from '@web/test-runner-commands';
import { type VodUploader, registerLocale } from '@vod-uploader/element';
import {
  ALL_EVENTS,
  axeViolations,
  cleanup,
  describeViolations,
  fixture,
  makeFile,
  part,
  parts,
  recordEvents,
  rowButton,
} from './test/helpers.ts';

afterEach(async () => {
  cleanup();
  await emulateMedia({ colorScheme: 'light' });
});

const ATTRIBUTES: [attr: string, prop: keyof VodUploader, text: string, value: unknown][] = [
  ['signer', 'signer', '/vod', '/vod'],
  ['token', 'token', 'abc', 'abc'],
  ['accept', 'accept', 'video/*,.mkv', 'video/*,.mkv'],
  ['multiple', 'multiple', '', true],
  ['max-files', 'maxFiles', '3', 3],
  ['max-size', 'maxSize', '1000000', 1000000],
  ['part-size', 'partSize', '2097152', 2097152],
  ['concurrency', 'concurrency', '2', 2],
  ['procedure', 'procedure', 'LongVideoPreset', 'LongVideoPreset'],
  ['class-id', 'classId', '7', 7],
  ['source-context', 'sourceContext', 'user-1', 'user-1'],
  ['storage-region', 'storageRegion', 'ap-chongqing', 'ap-chongqing'],
  ['sub-app-id', 'subAppId', '1500000001', 1500000001],
  ['cover', 'cover', '', true],
  ['manual', 'manual', '', true],
  ['dedupe', 'dedupe', '', true],
  ['lang', 'lang', 'zh-CN', 'zh-CN'],
  ['name', 'name', 'videos', 'videos'],
  ['required', 'required', '', true],
  ['disabled', 'disabled', '', true],
];

describe('<vod-uploader> attributes and properties', () => {
  it('is defined once, with a typed tag name, and renders its parts', async () => {
    const el = await fixture('<vod-uploader></vod-uploader>');
    expect(el).to.be.instanceOf(customElements.get('vod-uploader')!);
    for (const name of ['base', 'drop-zone', 'file-button', 'hint', 'list', 'total']) expect(part(el, name), name).to.exist;
    expect(el.shadowRoot!.querySelector('[aria-live="polite"]')).to.exist;
  });

  it('maps every attribute to its property, booleans default to false', async () => {
    const bare = await fixture('<vod-uploader></vod-uploader>');
    for (const [, prop, , value] of ATTRIBUTES) if (typeof value === 'boolean') expect(bare[prop], `${prop} default`).to.equal(false);
    for (const [attr, prop, text, value] of ATTRIBUTES) {
      const el = await fixture(`<vod-uploader ${attr}="${text}"></vod-uploader>`);
      expect(el[prop], attr).to.equal(value);
    }
  });

  it('passes the upload attributes to the engine', async () => {
    const el = await fixture(
      '<vod-uploader signer="/s" token="t" part-size="2097152" procedure="P" class-id="3" source-context="ctx" storage-region="ap-chongqing" sub-app-id="9" dedupe></vod-uploader>',
    );
    const o = el.uploadOptions();
    expect(await (o.token as () => string)()).to.equal('t');
    expect(o).to.deep.include({ signer: '/s', partSize: 2097152, dedupe: 'parallel', processing: true });
    expect(o.media).to.deep.equal({ procedure: 'P', classId: 3, sourceContext: 'ctx', storageRegion: 'ap-chongqing', subAppId: 9 });
    el.dedupe = false;
    expect(el.uploadOptions().dedupe).to.equal('off');
    expect((await fixture('<vod-uploader></vod-uploader>')).uploadOptions().media).to.equal(undefined);
  });

  it('reflects accept and multiple onto the file input and the button', async () => {
    const el = await fixture('<vod-uploader accept=".mp4,.mov"></vod-uploader>');
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input#pick')!;
    expect(input.accept).to.equal('.mp4,.mov');
    expect(input.multiple).to.equal(false);
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('Choose a file');
    el.multiple = true;
    await el.updateComplete;
    expect(input.multiple).to.equal(true);
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('Choose files');
  });

  it('setting properties fires no event', async () => {
    const el = await fixture('<vod-uploader></vod-uploader>');
    const seen = recordEvents(el, ALL_EVENTS);
    for (const [, prop, , value] of ATTRIBUTES) (el as unknown as Record<string, unknown>)[prop] = value;
    await el.updateComplete;
    expect(seen.map((e) => e.type)).to.deep.equal([]);
  });

  it('disabled: the button is disabled and drops are ignored', async () => {
    const el = await fixture('<vod-uploader disabled manual></vod-uploader>');
    expect(part<HTMLButtonElement>(el, 'file-button')!.disabled).to.equal(true);
    const dt = new DataTransfer();
    dt.items.add(makeFile(1000));
    part(el, 'drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    await el.updateComplete;
    expect(el.items).to.have.length(0);
  });

  it('manual: files wait for Start', async () => {
    const el = await fixture('<vod-uploader manual multiple signer="http://127.0.0.1:9/vod"></vod-uploader>');
    el.addFiles([makeFile(1000, 'a.mp4'), makeFile(1000, 'b.mp4')]);
    await el.updateComplete;
    expect(el.items.map((i) => i.state.status)).to.deep.equal(['idle', 'idle']);
    expect(rowButton(el, 'Start')).to.exist;
    expect(part(el, 'status')!.textContent).to.contain('Ready to upload');
    expect([...part(el, 'total')!.querySelectorAll('button')].map((b) => b.textContent!.trim())).to.include('Start all');
  });
});

describe('<vod-uploader> validation before any byte is sent', () => {
  it('rejects by type, size, emptiness, count and name, with the reason shown', async () => {
    const el = await fixture('<vod-uploader multiple max-files="2" max-size="5000" manual></vod-uploader>');
    const select = new Promise<CustomEvent>((r) => el.addEventListener('vod-file-select', (e) => r(e as CustomEvent), { once: true }));
    el.addFiles([
      makeFile(100, 'ok.mp4'),
      makeFile(100, 'notes.txt', 'text/plain'),
      makeFile(6000, 'big.mp4'),
      new File([], 'empty.mov', { type: 'video/quicktime' }),
      makeFile(100, '???', 'video/mp4'),
      makeFile(100, 'ok2.mkv', ''),
      makeFile(100, 'third.mp4'),
    ]);
    const { detail } = await select;
    expect(detail.files.map((f: File) => f.name)).to.deep.equal(['ok.mp4', 'ok2.mkv']);
    expect(detail.rejected.map((r: { file: File }) => r.file.name)).to.deep.equal(['notes.txt', 'big.mp4', 'empty.mov', '???', 'third.mp4']);
    await el.updateComplete;
    const errors = parts(el, 'error').map((e) => e.textContent!.trim());
    expect(errors).to.have.length(5);
    expect(errors[0]).to.match(/^Type not accepted.*mp4/);
    expect(errors[1]).to.match(/larger than 5 kB/);
    expect(errors[2]).to.equal('The file is empty.');
    expect(errors[3]).to.match(/no characters VOD accepts/);
    expect(errors[4]).to.equal('At most 2 files.');
    expect(el.hasAttribute('error')).to.equal(true);
    expect(el.items.filter((i) => i.rejection).every((i) => !i.upload)).to.equal(true);
  });

  it('honours accept with extensions and wildcards; without multiple keeps one file', async () => {
    const el = await fixture('<vod-uploader accept="video/*,.flac" manual></vod-uploader>');
    el.addFiles([makeFile(10, 'a.flac', ''), makeFile(10, 'b.mp3', 'audio/mpeg')]);
    await el.updateComplete;
    expect(el.items.map((i) => [i.file.name, i.rejection?.reason ?? null])).to.deep.equal([['a.flac', null], ['b.mp3', 'type']]);
    el.addFiles([makeFile(10, 'c.webm', 'video/webm'), makeFile(10, 'd.webm', 'video/webm')]);
    await el.updateComplete;
    expect(el.items.map((i) => [i.file.name, i.rejection?.reason ?? null])).to.deep.equal([['c.webm', null], ['d.webm', 'count']]);
  });

  it('vod-file-select is cancelable: nothing is added', async () => {
    const el = await fixture('<vod-uploader manual></vod-uploader>');
    el.addEventListener('vod-file-select', (e) => e.preventDefault(), { once: true });
    el.addFiles([makeFile(10)]);
    await el.updateComplete;
    expect(el.items).to.have.length(0);
  });
});

describe('<vod-uploader> drop zone', () => {
  it('takes a drag and drop with a real DataTransfer', async () => {
    const el = await fixture('<vod-uploader manual multiple></vod-uploader>');
    const zone = part(el, 'drop-zone')!;
    const dt = new DataTransfer();
    dt.items.add(makeFile(1234, 'dropped.mp4'));
    dt.items.add(makeFile(10, 'x.txt', 'text/plain'));
    const types: string[] = [];
    el.addEventListener('vod-file-select', (e) => types.push(e.type));
    const enter = new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true, composed: true });
    zone.dispatchEvent(enter);
    expect(enter.defaultPrevented).to.equal(true);
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    await el.updateComplete;
    expect(zone.classList.contains('over')).to.equal(true);
    zone.dispatchEvent(new DragEvent('dragleave', { dataTransfer: dt, bubbles: true, cancelable: true, relatedTarget: document.body }));
    await el.updateComplete;
    expect(zone.classList.contains('over')).to.equal(false);
    const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    zone.dispatchEvent(drop);
    expect(drop.defaultPrevented).to.equal(true);
    await el.updateComplete;
    expect(types).to.deep.equal(['vod-file-select']);
    expect(el.items.map((i) => i.file.name)).to.deep.equal(['dropped.mp4', 'x.txt']);
    expect(part(el, 'file-name')!.textContent).to.equal('dropped.mp4');
    expect(part(el, 'file-size')!.textContent).to.equal('1.2 kB');
  });

  it('takes pasted files', async () => {
    const el = await fixture('<vod-uploader manual></vod-uploader>');
    const dt = new DataTransfer();
    dt.items.add(makeFile(50, 'pasted.mov', 'video/quicktime'));
    const paste = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true, composed: true });
    part(el, 'file-button')!.dispatchEvent(paste);
    await el.updateComplete;
    expect(paste.defaultPrevented).to.equal(true);
    expect(el.items.map((i) => i.file.name)).to.deep.equal(['pasted.mov']);
  });

  it('takes a disk-backed file from the file input', async () => {
    const el = await fixture('<vod-uploader manual></vod-uploader>');
    const picked = await executeServerCommand<{ size: number }, { selector: string; mib: number; name: string }>('pick-file', {
      selector: 'vod-uploader input#pick',
      mib: 2,
      name: 'from-disk.mp4',
    });
    await el.updateComplete;
    expect(el.items.map((i) => [i.file.name, i.file.size])).to.deep.equal([['from-disk.mp4', picked.size]]);
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('input#pick')!.value, 'input cleared for a new pick').to.equal('');
  });
});

describe('<vod-uploader> keyboard', () => {
  it('reaches every control by Tab and acts on Enter and Space', async () => {
    const before = document.createElement('button');
    before.textContent = 'before';
    document.body.prepend(before);
    try {
      const el = await fixture('<vod-uploader manual multiple></vod-uploader>');
      el.addFiles([makeFile(10, 'one.mp4'), makeFile(10, 'two.mp4')]);
      await el.updateComplete;
      before.focus();
      const active = () => el.shadowRoot!.activeElement as HTMLElement | null;
      // Enter on the file button opens the picker (a click on the hidden input).
      await sendKeys({ press: 'Tab' });
      expect(active()?.getAttribute('part')).to.contain('file-button');
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input#pick')!;
      let opened = 0;
      input.addEventListener('click', (e) => (opened++, e.preventDefault()));
      await sendKeys({ press: 'Enter' });
      await sendKeys({ press: 'Space' });
      expect(opened).to.equal(2);
      // Then each row's buttons, in order.
      const labels: string[] = [];
      for (let i = 0; i < 8; i++) {
        await sendKeys({ press: 'Tab' });
        labels.push(active()?.textContent!.trim() ?? '(outside)');
      }
      expect(labels).to.deep.equal(['Start', 'Cancel', 'Remove', 'Start', 'Cancel', 'Remove', 'Start all', 'Clear list']);
      // Shift+Tab back to the second row's Remove, and press it with Space.
      for (let i = 0; i < 2; i++) await sendKeys({ press: 'Shift+Tab' });
      expect(active()?.textContent!.trim()).to.equal('Remove');
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(el.items.map((i) => i.file.name)).to.deep.equal(['one.mp4']);
      expect(active()?.textContent!.trim(), 'focus stays in the list').to.equal('Start');
      // Cancel the first with Enter.
      rowButton(el, 'Cancel')!.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(el.items[0]!.state.status).to.equal('cancelled');
      expect(part(el, 'status')!.textContent).to.contain('Cancelled');
    } finally {
      before.remove();
    }
  });
});

describe('<vod-uploader> locales', () => {
  it('switches between English and Simplified Chinese with lang', async () => {
    const el = await fixture('<vod-uploader multiple manual max-size="5000"></vod-uploader>');
    el.addFiles([makeFile(6000, 'big.mp4')]);
    await el.updateComplete;
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('Choose files');
    expect(part(el, 'error')!.textContent).to.contain('larger than');
    expect(el.lang, 'the native property, unset').to.equal('');
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('选择文件');
    expect(part(el, 'error')!.textContent).to.contain('文件超过');
    expect(part(el, 'status')!.textContent).to.equal('不可上传');
    el.setAttribute('lang', 'en');
    await el.updateComplete;
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('Choose files');
  });

  it('follows an ancestor lang, and takes injected locales with English fallback', async () => {
    registerLocale('fr', { chooseMany: 'Choisir des fichiers' });
    const el = await fixture('<div lang="zh"><vod-uploader multiple></vod-uploader></div>');
    expect(el.parentElement!.lang).to.equal('zh');
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('选择文件');
    el.lang = 'fr-CA';
    await el.updateComplete;
    expect(part(el, 'file-button')!.textContent!.trim()).to.equal('Choisir des fichiers');
    expect(part(el, 'drop-zone')!.textContent).to.contain('Drop videos here');
  });
});

describe('<vod-uploader> styling and accessibility', () => {
  it('declares its custom properties and shows light and dark colors', async () => {
    const el = await fixture('<vod-uploader></vod-uploader>');
    const color = () => getComputedStyle(part(el, 'file-button')!).backgroundColor;
    const light = color();
    await emulateMedia({ colorScheme: 'dark' });
    const dark = color();
    expect(light).to.not.equal(dark);
    el.style.setProperty('--vod-accent', 'rgb(255, 0, 0)');
    expect(color()).to.equal('rgb(255, 0, 0)');
  });

  it('has no axe violations: empty, with rows, rejected, in Chinese, in dark mode', async () => {
    const el = await fixture('<vod-uploader multiple manual cover max-size="100" required name="v"></vod-uploader>');
    let v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
    el.addFiles([makeFile(10, 'a.mp4'), makeFile(1000, 'b.mp4'), makeFile(10, 'c.txt', 'text/plain')]);
    await el.updateComplete;
    v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
    el.lang = 'zh-CN';
    await emulateMedia({ colorScheme: 'dark' });
    await el.updateComplete;
    v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
    el.disabled = true;
    await el.updateComplete;
    v = await axeViolations(el);
    expect(v, describeViolations(v)).to.deep.equal([]);
  });

  it('labels every control and the progress bars', async () => {
    const el = await fixture('<vod-uploader multiple manual></vod-uploader>');
    el.addFiles([makeFile(10, 'a.mp4')]);
    await el.updateComplete;
    for (const b of el.shadowRoot!.querySelectorAll('button')) expect(b.textContent!.trim(), b.outerHTML).to.not.equal('');
    for (const b of parts(el, 'button', part(el, 'file')!)) expect(b.getAttribute('aria-describedby')).to.match(/-name$/);
    const bars = el.shadowRoot!.querySelectorAll('[role="progressbar"]');
    expect([...bars].map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Upload progress of a.mp4', 'Uploads']);
    expect(part(el, 'list')!.getAttribute('aria-label')).to.equal('Uploads');
  });
});
