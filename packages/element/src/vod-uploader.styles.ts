/**
 * The styles of `<vod-uploader>`: custom properties with light and dark defaults (`prefers-color-scheme`). Written
 * compactly on purpose: bundlers do not minify CSS inside template literals. The cover chooser brings its own.
 * @module
 */
import { css } from 'lit';

export default css`
:host{--_a:var(--vod-accent,#0b57d0);--_m:var(--vod-muted,#5e5e5e);--_b:var(--vod-border,#c4c7c5);--_d:var(--vod-danger,#b3261e);--_s:var(--vod-success,#146c2e);--_r:var(--vod-radius,8px);--_g:var(--vod-gap,.5rem);display:block;color-scheme:light dark;font:var(--vod-font,inherit);color:var(--vod-text,#1f1f1f);background:var(--vod-background,#fff)}
@media (prefers-color-scheme:dark){:host{--_a:var(--vod-accent,#a8c7fa);--_m:var(--vod-muted,#b4b4b4);--_b:var(--vod-border,#5f6368);--_d:var(--vod-danger,#ffb4ab);--_s:var(--vod-success,#6dd58c);color:var(--vod-text,#e3e3e3);background:var(--vod-background,#1f1f1f)}}
:host([hidden]),[hidden]{display:none!important}
.base,ul,.main{display:grid;grid:auto-flow/minmax(0,1fr);gap:var(--_g);line-height:1.4}
.drop,li,.total,.actions,.line{display:flex;flex-wrap:wrap;align-items:center;gap:var(--_g)}
.drop{justify-content:center;transition:border-color .15s,background-color .15s;padding:calc(var(--_g)*4) calc(var(--_g)*2);border:2px dashed var(--_b);border-radius:var(--_r);text-align:center}
.over{border-color:var(--_a);background:color-mix(in srgb,var(--_a) 10%,#0000)}
.disabled{border-style:solid;cursor:not-allowed}
svg{width:1.5em;fill:currentColor}
.hint,.total .progress{flex-basis:100%}
.hint,.muted,.total{color:var(--_m)}
.hint,.small,.muted,.error,.total{font-size:.875em}
.button,button{font:inherit;line-height:1.2;font-size:.875em;padding:.35em .8em;border:1px solid var(--_b);border-radius:calc(var(--_r)*.75);background:none;color:inherit;text-decoration:none;cursor:pointer;white-space:nowrap}
.button:hover,button:hover{border-color:var(--_a)}
:focus-visible,.button:focus-within{outline:2px solid var(--_a);outline-offset:2px}
.primary{background:var(--_a);border-color:var(--_a);color:Canvas}
button:disabled{cursor:not-allowed;opacity:.6}
ul{list-style:none;margin:0;padding:0}
li{gap:var(--_g) calc(var(--_g)*1.5);padding:var(--_g) calc(var(--_g)*1.5);border:1px solid var(--_b);border-radius:var(--_r)}
img{width:4rem;height:2.25rem;object-fit:cover;border-radius:calc(var(--_r)/2);background:var(--_b)}
.main{flex:1 1 14rem;min-width:0;gap:calc(var(--_g)/2)}
.line{flex-wrap:nowrap;justify-content:space-between;align-items:baseline}
.name{overflow:hidden;text-overflow:ellipsis;font-weight:600}
.name,.muted{white-space:nowrap}
.error{color:var(--_d)}
.progress{height:var(--vod-progress-height,6px);border-radius:9em;background:color-mix(in srgb,var(--_b) 60%,#0000);overflow:hidden}
.bar{height:100%;background:var(--_a);transition:width .2s}
[data-status=done] .status{color:var(--_s)}
[data-status=done] .bar{background:var(--_s)}
[data-status=error] .bar{background:var(--_d)}
.actions{gap:calc(var(--_g)/2)}
.total{justify-content:space-between}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;
