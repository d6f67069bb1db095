#!/usr/bin/env node
// The command-line entry point. The TypeScript sources are compiled into
// dist/ by `npm ci` (the prepare script) or `npm run build`.
import "../dist/src/cli/run.js";
