/**
 * The styles of `<vod-uploader>`: system colors and custom properties, light and dark (`prefers-color-scheme`).
 * @module
 */
import { css } from 'lit';

export default css`
   :host{--_accent:var(--vod-accent,#0b57d0);--_on-accent:#fff;--_text:var(--vod-text,#1f1f1f);--_muted:var(--vod-muted,#5e5e5e);--_bg:var(--vod-background,#fff);--_border:var(--vod-border,#c4c7c5);--_danger:var(--vod-danger,#b3261e);--_success:var(--vod-success,#146c2e);--_radius:var(--vod-radius,8px);--_gap:var(--vod-gap,0.5rem);--_bar:var(--vod-progress-height,6px);display:block;color-scheme:light dark;font:var(--vod-font,inherit);color:var(--_text)}
  @media (prefers-color-scheme:dark){:host{--_accent:var(--vod-accent,#a8c7fa);--_on-accent:#062e6f;--_text:var(--vod-text,#e3e3e3);--_muted:var(--vod-muted,#b4b4b4);--_bg:var(--vod-background,#1f1f1f);--_border:var(--vod-border,#5f6368);--_danger:var(--vod-danger,#ffb4ab);--_success:var(--vod-success,#6dd58c)}
  }
  :host([hidden]){display:none}
  *{box-sizing:border-box}
  .base{display:grid;gap:var(--_gap);background:var(--_bg);color:var(--_text);line-height:1.4}
  .drop{display:flex;flex-wrap:wrap;align-items:center;justify-content:center;gap:var(--_gap);padding:calc(var(--_gap) * 4) calc(var(--_gap) * 2);border:2px dashed var(--_border);border-radius:var(--_radius);text-align:center;transition:border-color 0.15s,background-color 0.15s}
  .drop.over{border-color:var(--_accent);background:color-mix(in srgb,var(--_accent) 10%,transparent)}
  .drop.disabled{border-style:solid;cursor:not-allowed}
  .icon{width:1.5em;height:1.5em;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
  .hint{flex-basis:100%;color:var(--_muted);font-size:0.875em}
  .hint:empty{display:none}
  button,.button{display:inline-flex;align-items:center;font:inherit;font-size:0.875em;line-height:1.2;padding:0.35em 0.8em;border:1px solid var(--_border);border-radius:calc(var(--_radius) * 0.75);background:transparent;color:inherit;text-decoration:none;cursor:pointer;white-space:nowrap}
  button:hover,.button:hover{border-color:var(--_accent)}
  button:focus-visible,.button:focus-visible,.button:focus-within{outline:2px solid var(--_accent);outline-offset:2px}
  .primary{background:var(--_accent);border-color:var(--_accent);color:var(--_on-accent)}
  button:disabled{cursor:not-allowed;opacity:0.6}
  .list{list-style:none;margin:0;padding:0;display:grid;gap:var(--_gap)}
  [hidden]{display:none !important}
  .file{display:flex;flex-wrap:wrap;align-items:center;gap:var(--_gap) calc(var(--_gap) * 1.5);padding:var(--_gap) calc(var(--_gap) * 1.5);border:1px solid var(--_border);border-radius:var(--_radius)}
  .thumb{width:4rem;height:2.25rem;object-fit:cover;border-radius:calc(var(--_radius) / 2);background:var(--_border)}
  .main{flex:1 1 14rem;min-width:0;display:grid;gap:calc(var(--_gap) / 2)}
  .line{display:flex;gap:var(--_gap);justify-content:space-between;align-items:baseline}
  .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
  .small,.muted{font-size:0.875em}
  .muted{color:var(--_muted);white-space:nowrap}
  .error{color:var(--_danger);font-size:0.875em}
  [data-status='done'] .status{color:var(--_success)}
  .progress{height:var(--_bar);border-radius:var(--_bar);background:color-mix(in srgb,var(--_border) 60%,transparent);overflow:hidden}
  .bar{height:100%;background:var(--_accent);transform-origin:left;transform:scaleX(var(--p,0));transition:transform 0.2s}
  [data-status='done'] .bar{background:var(--_success)}
  [data-status='error'] .bar{background:var(--_danger)}
  .actions{display:flex;flex-wrap:wrap;gap:calc(var(--_gap) / 2)}
  .cover-panel{flex-basis:100%;display:flex;flex-wrap:wrap;align-items:center;gap:var(--_gap)}
  .cover-panel video{flex-basis:100%;max-height:14rem;border-radius:calc(var(--_radius) / 2);background:#000}
  .moment{display:flex;flex:1 1 12rem;gap:var(--_gap);align-items:center;font-size:0.875em}
  .moment input{flex:1}
  .total{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:var(--_gap);font-size:0.875em;color:var(--_muted)}
  .total .progress{flex-basis:100%}
  .sr,.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;
