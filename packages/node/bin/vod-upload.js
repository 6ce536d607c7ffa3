#!/usr/bin/env node
// vod-upload: runs the TypeScript sources through tsx (no build step). See `vod-upload --help`.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
await run();
