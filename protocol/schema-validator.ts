/**
 * Compiled TypeBox checks that report the first problem as `path: expected …`, with the path in
 * dotted/bracket form (`lines.L1.lr`, `capabilities[2]`), so a person reading a log can fix the sender.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';

/** Returns undefined when the value is valid, else one human-readable error. */
export type Validator = (value: unknown) => string | undefined;

interface SchemaLike {
  const?: unknown;
  type?: string;
  anyOf?: SchemaLike[];
  not?: unknown;
  items?: SchemaLike;
  properties?: Record<string, SchemaLike>;
  patternProperties?: Record<string, SchemaLike>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export function compileValidator(schema: TSchema): Validator {
  const discriminated = discriminatedVariants(schema);
  if (discriminated === undefined) return compileSingle(schema);
  const { key, variants } = discriminated;
  const expected = describeExpected({ anyOf: [...variants.keys()].map((value) => ({ const: value })) });
  return (value) => {
    if (!isPlainMap(value)) return `message: expected map (got ${describeValue(value)})`;
    const variant = typeof value[key] === 'string' ? variants.get(value[key]) : undefined;
    if (variant === undefined) {
      return key in value ? `${key}: expected ${expected} (got ${describeValue(value[key])})` : `${key}: missing, expected ${expected}`;
    }
    return variant(value);
  };
}

function compileSingle(schema: TSchema): Validator {
  const check: TypeCheck<TSchema> = TypeCompiler.Compile(schema);
  return (value) => {
    if (check.Check(value)) return undefined;
    const error = check.Errors(value).First();
    if (error === undefined) return 'message: invalid';
    const path = formatPath(value, error.path);
    const expectedSchema = error.schema as SchemaLike;
    if (error.type === ValueErrorType.ObjectRequiredProperty) return `${path}: missing, expected ${describeExpected(expectedSchema)}`;
    if (expectedSchema.not !== undefined) return `${path}: must be absent on this kind of message`;
    return `${path}: expected ${describeExpected(expectedSchema)} (got ${describeValue(error.value)})`;
  };
}

/**
 * A union of objects that share a literal-valued property (`status`) is checked against the one variant that
 * property selects; TypeBox alone would only say "Expected union value".
 */
function discriminatedVariants(schema: TSchema): { key: string; variants: Map<string, Validator> } | undefined {
  const variants = (schema as SchemaLike).anyOf;
  const first = variants?.[0]?.properties;
  if (variants === undefined || first === undefined) return undefined;
  for (const key of Object.keys(first)) {
    const values = variants.map((variant) => variant.properties?.[key]?.const);
    if (values.every((v): v is string => typeof v === 'string') && new Set(values).size === values.length) {
      const map = new Map<string, Validator>();
      variants.forEach((variant, i) => map.set(values[i] as string, compileSingle(variant as TSchema)));
      return { key, variants: map };
    }
  }
  return undefined;
}

export function describeExpected(schema: SchemaLike): string {
  if (schema.const !== undefined) return quote(schema.const);
  if (schema.not !== undefined) return 'nothing (field must be absent)';
  if (schema.anyOf !== undefined) {
    if (schema.anyOf.every((s) => s.const !== undefined)) return `one of ${schema.anyOf.map((s) => quote(s.const)).join(' | ')}`;
    return schema.anyOf.map(describeExpected).join(' or ');
  }
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.type + bounds(schema);
    case 'string':
      return 'string' + stringBounds(schema);
    case 'null':
      return 'null';
    case 'boolean':
      return 'boolean';
    case 'array':
      return schema.items ? `array of ${describeExpected(schema.items)}` : 'array';
    case 'object': {
      const valueSchema = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
      return valueSchema === undefined ? 'map' : `map of ${describeExpected(valueSchema)}`;
    }
    default:
      return 'any value';
  }
}

function bounds(schema: SchemaLike): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  return parts.length ? ' ' + parts.join(' and ') : '';
}

function stringBounds(schema: SchemaLike): string {
  if (schema.pattern !== undefined) return ` matching /${schema.pattern}/`;
  if (schema.minLength !== undefined && schema.maxLength !== undefined) return ` of ${schema.minLength}..${schema.maxLength} characters`;
  if (schema.minLength !== undefined) return ` of at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}`;
  if (schema.maxLength !== undefined) return ` of at most ${schema.maxLength} characters`;
  return '';
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return value.length <= 40 ? `string ${JSON.stringify(value)}` : 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : Number.isFinite(value) ? `number ${value}` : String(value);
  if (value instanceof Uint8Array) return 'binary';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

const DOTTABLE_KEY = /^[A-Za-z0-9_-]+$/;

/** Turns a JSON pointer (`/lines/L1/lr`) into `lines.L1.lr`, using `[n]` where the value is an array. */
export function formatPath(root: unknown, pointer: string): string {
  if (pointer === '') return 'message';
  let out = '';
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^\d+$/.test(token)) out += `[${token}]`;
    else if (DOTTABLE_KEY.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[token] : undefined;
  }
  return out;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}
