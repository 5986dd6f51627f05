// Worker threads, and child processes started by childProcessArgs, do not inherit tsx's loader: when
// NutGiao runs from its TypeScript sources, they start here, register tsx, then import the real module
// named in argv.
const { register } = await import('tsx/esm/api');
register();
await import(process.argv[2]);
