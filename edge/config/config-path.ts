/** Config paths as people read them: `signal.phases[2].minGreen`, not the JSON pointer `/signal/phases/2/minGreen`. */

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Joins path segments: numbers become `[n]`, odd keys become `["a b"]`. */
export function configPath(...segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Converts a TypeBox error path (JSON pointer) to a config path; the root is shown as `(root)`. */
export function pointerToConfigPath(pointer: string): string {
  if (pointer === '') return '(root)';
  const segments = pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
  return configPath(...segments);
}
