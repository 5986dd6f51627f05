/**
 * Turns TypeBox validation errors into one line each, `path: problem (hint)`, written for the person
 * editing the file: units from the schema's `unit` annotation, allowed forms from `allowed`, a "did you
 * mean" for unknown fields, and one message per union instead of one per branch.
 */
import { KindGuard, type TObject, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { pointerToConfigPath } from './config-path.js';
import { closestName } from './suggest.js';
import { chooseUnionVariant } from './union-variant.js';

/** `unknown-field` errors leave the known data intact; the other kinds make the value unusable. */
export type SchemaErrorKind = 'missing' | 'unknown-field' | 'invalid';

interface Finding {
  pointer: string;
  problem: string;
  kind: SchemaErrorKind;
}

const quote = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : String(value));

function annotation(schema: TSchema, name: 'unit' | 'allowed'): string | undefined {
  const value: unknown = schema[name];
  return typeof value === 'string' ? value : undefined;
}

function withUnit(limit: number, schema: TSchema): string {
  const unit = annotation(schema, 'unit');
  return unit === undefined ? String(limit) : `${limit} ${unit}`;
}

function lastSegment(pointer: string): string {
  const raw = pointer.slice(pointer.lastIndexOf('/') + 1);
  return raw.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The text a bare YAML number or boolean was written as; undefined for other values. */
function quotable(value: unknown): string | undefined {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** Suggests quoting when YAML read a bare word as a number or boolean but text was wanted. */
function quoteHint(value: unknown): string {
  const text = quotable(value);
  return text === undefined ? '' : ` (quote it: '${text}')`;
}

const UNIT_NAMES: Readonly<Record<string, string>> = { s: 'seconds', ms: 'milliseconds', px: 'pixels', fps: 'frames per second' };

/** For `minGreen: 7s` or `"7"`: YAML read text where a number was wanted. */
function numberHint(value: unknown, schema: TSchema): string {
  if (typeof value !== 'string') return '';
  const unit = annotation(schema, 'unit');
  const of = unit === undefined ? '' : ` of ${UNIT_NAMES[unit] ?? unit}`;
  return ` (write a plain number${of}, without quotes or unit)`;
}

function unknownField(error: ValueError): string {
  const name = lastSegment(error.path);
  const known = KindGuard.IsObject(error.schema) ? Object.keys((error.schema as TObject).properties) : [];
  const suggestion = closestName(name, known);
  if (suggestion !== undefined) return `unknown field (did you mean '${suggestion}'?)`;
  return known.length > 0 ? `unknown field (allowed: ${known.join(', ')})` : 'unknown field';
}

function literalValues(union: TUnion): unknown[] | undefined {
  return union.anyOf.every((schema) => KindGuard.IsLiteral(schema)) ? union.anyOf.map((schema) => schema.const) : undefined;
}

function* unionFindings(error: ValueError): Generator<Finding> {
  const union = error.schema as TUnion;
  const choice = chooseUnionVariant(union, error.value);
  if (choice.kind === 'variant') {
    const branch = error.errors[choice.index];
    if (branch) for (const inner of branch) yield* findings(inner);
    return;
  }
  if (choice.kind === 'bad-discriminator') {
    const present = (error.value as Record<string, unknown>)[choice.key];
    const allowed = choice.values.map(quote).join(', ');
    yield {
      pointer: `${error.path}/${choice.key}`,
      problem: present === undefined ? `is required (one of ${allowed})` : `must be one of ${allowed}${quoteHint(present)}`,
      kind: 'invalid',
    };
    return;
  }
  const literals = literalValues(union);
  const allowed = annotation(union, 'allowed');
  const problem = literals
    ? `must be one of ${literals.map(quote).join(', ')}${literals.includes(quotable(error.value)) ? quoteHint(error.value) : ''}`
    : allowed !== undefined
      ? `must be ${allowed}`
      : 'does not match any allowed form';
  yield { pointer: error.path, problem, kind: 'invalid' };
}

function describe(error: ValueError): string {
  const { schema, value } = error;
  switch (error.type) {
    case ValueErrorType.Object:
      return 'must be a mapping of fields';
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownField(error);
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.ArrayMinItems:
      return schema.minItems === 1 ? 'must not be empty' : `must have at least ${schema.minItems} items`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${schema.maxItems} items`;
    case ValueErrorType.Tuple:
    case ValueErrorType.TupleLength:
      return `must be ${annotation(schema, 'allowed') ?? `a list of ${schema.maxItems} items`}`;
    case ValueErrorType.String:
      return `must be a string${quoteHint(value)}`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${schema.maxLength} characters`;
    case ValueErrorType.StringPattern: {
      const allowed = annotation(schema, 'allowed');
      return allowed === undefined ? `must match ${schema.pattern}` : `must be ${allowed}`;
    }
    case ValueErrorType.Number:
      return `must be a number${numberHint(value, schema)}`;
    case ValueErrorType.Integer:
      return `must be a whole number${numberHint(value, schema)}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be >= ${withUnit(schema.minimum, schema)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be <= ${withUnit(schema.maximum, schema)}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `must be > ${withUnit(schema.exclusiveMinimum, schema)}`;
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return `must be < ${withUnit(schema.exclusiveMaximum, schema)}`;
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Literal:
      return `must be ${quote(schema.const)}${quoteHint(value)}`;
    default:
      return error.message.toLowerCase();
  }
}

function* findings(error: ValueError): Generator<Finding> {
  if (error.type === ValueErrorType.Union) return yield* unionFindings(error);
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    yield { pointer: error.path, problem: 'is required', kind: 'missing' };
  } else {
    const kind = error.type === ValueErrorType.ObjectAdditionalProperties ? 'unknown-field' : 'invalid';
    yield { pointer: error.path, problem: describe(error), kind };
  }
}

/** One schema error: `path` in config form (`signal.phases[2].minGreen`) and what is wrong there. */
export interface SchemaError {
  path: string;
  problem: string;
  kind: SchemaErrorKind;
}

export const formatSchemaError = (error: SchemaError): string => `${error.path}: ${error.problem}`;

/** Every schema error in `value`, each once, in schema order. */
export function schemaErrors(schema: TSchema, value: unknown): SchemaError[] {
  const all = [...Value.Errors(schema, value)].flatMap((error) => [...findings(error)]);
  // A missing field also fails its type check ("must be a string"): "is required" says it better.
  const missingPointers = new Set(all.filter((finding) => finding.kind === 'missing').map((finding) => finding.pointer));
  const seen = new Set<string>();
  const result: SchemaError[] = [];
  for (const finding of all) {
    if (finding.kind !== 'missing' && missingPointers.has(finding.pointer)) continue;
    const error = { path: pointerToConfigPath(finding.pointer), problem: finding.problem, kind: finding.kind };
    const line = formatSchemaError(error);
    if (seen.has(line)) continue;
    seen.add(line);
    result.push(error);
  }
  return result;
}
