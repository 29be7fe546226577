/*
 * Test support: lets `node -r ./test/swc-register.js bin/fleetstream.ts ...` run the
 * TypeScript CLI as a real child process (for the SIGKILL tests) without a
 * build into dist/: each .ts file is compiled on require by @swc/core (a dev
 * dependency jest already uses), types stripped, no type check.
 */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
