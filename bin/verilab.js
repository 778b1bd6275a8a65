#!/usr/bin/env node
// The `verilab` command: runs the compiled CLI (npm install builds it; see the README).
require('../dist/server/cli.js').runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
