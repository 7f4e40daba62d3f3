#!/usr/bin/env node
// The `parley-relay` command. It exists before the first build, so installing the workspace from a
// clean clone links it without a warning; it runs the built relay (`pnpm build` writes dist/).
import '../dist/main.js';
