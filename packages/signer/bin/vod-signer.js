#!/usr/bin/env node
// vod-signer: runs the TypeScript sources through tsx (no build step). See `vod-signer --help`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/node.ts');
process.exitCode = await main(process.argv.slice(2));
// Anything still holding the event loop (keep-alive sockets of the cloud client) must not keep us up.
process.exit();
