import { fileURLToPath } from 'node:url';

/** The documented example config shipped next to the schema; a starting point for new installations. */
export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('./example.yaml', import.meta.url));
