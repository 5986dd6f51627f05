/** Writes protocol/asyncapi.json from the protocol's schemas (npm run asyncapi); commit the result. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { asyncApiText } from '../protocol/asyncapi.js';

const target = fileURLToPath(new URL('../protocol/asyncapi.json', import.meta.url));
await writeFile(target, asyncApiText());
process.stdout.write(`wrote ${target}\n`);
