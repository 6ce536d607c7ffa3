#!/usr/bin/env node
// vod-emulator: runs the TypeScript sources through tsx (no build step). See `vod-emulator --help`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
