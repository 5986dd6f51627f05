/**
 * Property tests: whatever a file contains, validation answers with errors rather than crashing (cross
 * checks run on partly invalid configs), never edits its input, and accepts its own output unchanged.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../edge/config/index.js';
import { exampleRaw, type RawConfig } from './example-raw.js';

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

const EXAMPLE_PATHS = pathsOf(exampleRaw());

/** Sets (or, for undefined, deletes) the value at `path`. */
function edit(raw: RawConfig, path: Path, value: unknown): void {
  const parent = path.slice(0, -1).reduce((node, key) => node[key], raw);
  const key = path[path.length - 1] as string | number;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
}

const NAME = String.raw`[A-Za-z_$][\w$-]*`;
const INDEX_OR_QUOTED = String.raw`\[(?:\d+|"(?:[^"\\]|\\.)*")\]`;
/** `path: problem`, the path built from `name`, `.name`, `[3]` and `["odd key"]` segments. */
const ERROR_LINE = new RegExp(
  String.raw`^(?:\(root\)|(?:${NAME}|${INDEX_OR_QUOTED})(?:\.${NAME}|${INDEX_OR_QUOTED})*): \S`,
);

const editedExample = fc
  .array(fc.tuple(fc.constantFrom(...EXAMPLE_PATHS), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((edits) => {
    const raw = exampleRaw();
    for (const [path, value] of edits) {
      // An earlier edit may have removed this path's parent: skip rather than build a different tree.
      try {
        edit(raw, path, value);
      } catch {
        continue;
      }
    }
    return raw as unknown;
  });

test('any edit of the example yields a valid config or path-prefixed errors, never an exception', () => {
  fc.assert(
    fc.property(editedExample, (raw) => {
      const result = validateConfig(raw);
      if (result.ok) return;
      assert.ok(result.errors.length > 0);
      for (const error of result.errors) {
        assert.match(error, ERROR_LINE);
        assert.not.match(error, /\[object Object\]/);
      }
    }),
    { numRuns: 500 },
  );
});

test('arbitrary JSON never makes validation throw', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (raw) => {
      const result = validateConfig(raw);
      assert.ok(result.ok || result.errors.length > 0);
    }),
    { numRuns: 300 },
  );
});

test('validation leaves its input untouched', () => {
  fc.assert(
    fc.property(editedExample, (raw) => {
      const before = structuredClone(raw);
      validateConfig(raw);
      assert.equal(raw, before);
    }),
    { numRuns: 200 },
  );
});

test('a validated config validates again to itself', () => {
  fc.assert(
    fc.property(editedExample, (raw) => {
      const first = validateConfig(raw);
      if (!first.ok) return;
      assert.equal(validateConfig(first.config), first);
    }),
    { numRuns: 200 },
  );
});

test.run();
