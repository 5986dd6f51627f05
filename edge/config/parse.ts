/** Config text to a plain value. JSON is valid YAML 1.2, so one parser reads both formats. */
import { LineCounter, parseDocument, visit, type Document } from 'yaml';

/** The text is not well-formed YAML/JSON; `errors` holds one `source:line:column: problem` line. */
export class ConfigSyntaxError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'ConfigSyntaxError';
  }
}

/** Offset of the first alias (`*name`) with no anchor before it; the parser only notices these in toJS. */
function unresolvedAliasOffset(document: Document): { offset: number; name: string } | undefined {
  let found: { offset: number; name: string } | undefined;
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined) return undefined;
      found = { offset: alias.range?.[0] ?? 0, name: alias.source };
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Parses config text; throws ConfigSyntaxError on a syntax error or a duplicated key (a repeated key in a
 * safety config is a mistake, not an override). Only the first YAML error is reported: later ones are
 * usually its echoes.
 */
export function parseConfigText(text: string, sourceName: string): unknown {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${sourceName}:${line}:${col}`;
  };
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [first] = document.errors;
  if (first) throw new ConfigSyntaxError([`${at(first.pos[0])}: ${first.message}`]);
  const alias = unresolvedAliasOffset(document);
  if (alias) throw new ConfigSyntaxError([`${at(alias.offset)}: alias *${alias.name} has no anchor &${alias.name} before it`]);
  try {
    return document.toJS();
  } catch (error) {
    // Left: alias bombs (too many alias expansions), which have no single position.
    throw new ConfigSyntaxError([`${sourceName}: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
