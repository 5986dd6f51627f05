// Worker threads do not inherit tsx's loader: when NutGiao runs from its TypeScript sources, a worker
// starts here, registers tsx, then imports the real worker module named in argv.
const { register } = await import('tsx/esm/api');
register();
await import(process.argv[2]);
