/**
 * Registers `<vod-uploader>` (once; safe to import twice, and under SSR where there is no `customElements`).
 * @module
 */
import { VodUploader } from './vod-uploader.component.ts';

export { VodUploader };

if (typeof customElements === 'object' && customElements && !customElements.get('vod-uploader')) {
  customElements.define('vod-uploader', VodUploader);
}

declare global {
  interface HTMLElementTagNameMap {
    'vod-uploader': VodUploader;
  }
}
