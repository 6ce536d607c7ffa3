// The prebuilt `<vod-uploader>` loaded from the page's own origin (see element-bundle-support.ts).
import { uploadThroughBundle } from './element-bundle-support.ts';

describe('the prebuilt bundle (one <script type="module"> tag), from the page\'s origin', () => {
  it('uploads through its own hash worker, loads its chunks from its folder, and needs no `process` global', () =>
    uploadThroughBundle({ crossOrigin: false }));
});
