// The committed custom-elements.json (npm run analyze -w @vod-uploader/element) matches the live element: every
// observed attribute, every event, and every CSS part the shadow DOM renders.
import { expect } from '@esm-bundle/chai';
import { ALL_EVENTS, cleanup, fixture, makeFile } from './test/helpers.ts';

interface Declaration {
  tagName?: string;
  attributes?: { name: string; fieldName?: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
  slots?: { name: string }[];
}

afterEach(cleanup);

async function declaration(): Promise<Declaration> {
  const manifest = await (await fetch('/packages/element/custom-elements.json')).json();
  const decls: Declaration[] = manifest.modules.flatMap((m: { declarations?: Declaration[] }) => m.declarations ?? []);
  return decls.find((d) => d.tagName === 'vod-uploader')!;
}

describe('custom-elements.json', () => {
  it('lists every attribute the element observes, with its property', async () => {
    const d = await declaration();
    const listed = d.attributes!.map((a) => a.name).sort();
    const observed = [...(customElements.get('vod-uploader') as unknown as { observedAttributes: string[] }).observedAttributes].sort();
    expect(listed).to.deep.equal(observed);
    for (const name of ['signer', 'token', 'accept', 'multiple', 'max-files', 'max-size', 'part-size', 'concurrency', 'procedure', 'class-id', 'source-context', 'storage-region', 'sub-app-id', 'cover', 'manual', 'dedupe', 'lang', 'name', 'required', 'disabled']) {
      expect(listed, name).to.include(name);
    }
    expect(d.attributes!.find((a) => a.name === 'max-size')!.fieldName).to.equal('maxSize');
  });

  it('lists every event, CSS part and custom property', async () => {
    const d = await declaration();
    expect(d.events!.map((e) => e.name)).to.deep.equal(ALL_EVENTS);
    const el = await fixture('<vod-uploader manual cover></vod-uploader>');
    el.addFiles([makeFile(10, 'a.mp4')]);
    await el.updateComplete;
    const rendered = new Set([...el.shadowRoot!.querySelectorAll('[part]')].flatMap((n) => n.getAttribute('part')!.split(/\s+/)));
    const documented = d.cssParts!.map((p) => p.name);
    for (const p of rendered) expect(documented, p).to.include(p);
    const css = [...el.shadowRoot!.adoptedStyleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join('\n');
    for (const { name } of d.cssProperties!) expect(css, name).to.include(`var(${name}`);
    expect(d.slots!.map((s) => s.name)).to.deep.equal(['hint']);
  });
});
