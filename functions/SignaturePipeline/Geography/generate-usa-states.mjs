// Writes usa-states.json (committed, embedded in the library) from the npm package @svg-maps/usa 2.0.0 (CC BY 4.0,
// Victor Cazanave). Run from the repository root after `npm ci`:  node functions/SignaturePipeline/Geography/generate-usa-states.mjs
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(process.cwd(), 'package.json'));
const usa = (await import(require.resolve('@svg-maps/usa'))).default;
const states = usa.locations
  .map(l => ({ code: l.id.toUpperCase(), name: l.name, path: l.path }))
  .sort((a, b) => a.code.localeCompare(b.code));
const out = join(dirname(fileURLToPath(import.meta.url)), 'usa-states.json');
writeFileSync(out, JSON.stringify({ viewBox: usa.viewBox, states }) + '\n');
console.log(`${states.length} states written to ${out}`);
