// A jest --filter for the PostgreSQL pass of CI: the test files that open a store through test/helpers/store.ts (directly
// or through the helpers that use it). Every other test file runs on SQLite whatever TEST_DATABASE_URL says (the
// browser tests start Verilab with its embedded SQLite, the unit tests open no store at all), so running them again on
// the PostgreSQL pass would run the same code twice and test nothing new.
const fs = require('node:fs');
const path = require('node:path');

const STORE_HELPER = path.join(__dirname, 'helpers', 'store.ts');
// Value imports only: `import type` loads nothing at run time.
const RELATIVE_IMPORT = /^(?:import|export)(?!\s+type\s)[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|\brequire\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

/** Whether `file` reaches the store helper through its relative imports inside test/. */
function reachesStore(file, seen = new Set()) {
  if (file === STORE_HELPER) return true;
  if (seen.has(file) || !file.startsWith(__dirname + path.sep)) return false;
  seen.add(file);
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const [, fromSpec, requireSpec] of source.matchAll(RELATIVE_IMPORT)) {
    const spec = fromSpec ?? requireSpec;
    const target = path.resolve(path.dirname(file), spec);
    for (const candidate of [target, `${target}.ts`, path.join(target, 'index.ts')]) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile() && reachesStore(candidate, seen)) return true;
    }
  }
  return false;
}

module.exports = (testPaths) => ({
  filtered: testPaths.filter((test) => reachesStore(test)).map((test) => ({ test })),
});

module.exports.reachesStore = reachesStore;
