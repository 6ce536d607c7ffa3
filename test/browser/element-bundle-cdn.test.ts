// The prebuilt `<vod-uploader>` loaded from another origin, as from a CDN (see element-bundle-support.ts).
import { uploadThroughBundle } from './element-bundle-support.ts';

describe('the prebuilt bundle (one <script type="module"> tag), from another origin', () => {
  it('starts its hash worker through a same-origin blob: module, loads its chunks from its folder, uploads', () =>
    uploadThroughBundle({ crossOrigin: true }));
});
