/** The report `nutgiao config check FILE` prints. */

export function formatErrors(errors: readonly string[], sourceName: string): string {
  if (errors.length === 0) return `${sourceName}: config is valid`;
  const count = errors.length === 1 ? '1 config error' : `${errors.length} config errors`;
  const header = `${sourceName}: ${count}; the node will not start until they are fixed`;
  return [header, ...errors.map((error) => `  ${error}`)].join('\n');
}
