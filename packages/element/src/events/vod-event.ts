/**
 * The base of every `vod-*` event: bubbles, crosses shadow roots, carries a typed `detail`.
 * @module
 */
export class VodEvent<T> extends Event {
  readonly detail: T;
  constructor(type: string, detail: T, cancelable = false) {
    super(type, { bubbles: true, composed: true, cancelable });
    this.detail = detail;
  }
}
