/**
 * Which branch of a union a config value was meant to be. Both defaults and error messages go through the
 * chosen branch, so a vehicle group with one bad field gets that one error (and its pin defaults), instead
 * of TypeBox's "matches no branch" and a cascade of errors from every branch.
 */
import { KindGuard, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type UnionChoice =
  | { kind: 'variant'; index: number; schema: TSchema }
  /** The union is discriminated by `key` and the value's `key` is missing or names no branch. */
  | { kind: 'bad-discriminator'; key: string; values: readonly string[] }
  | { kind: 'none' };

type Shape = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null' | 'other';

function shapeOfValue(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'object') return type;
  return 'other';
}

function shapeOfSchema(schema: TSchema): Shape {
  if (KindGuard.IsString(schema) || KindGuard.IsLiteralString(schema)) return 'string';
  if (KindGuard.IsNumber(schema) || KindGuard.IsInteger(schema) || KindGuard.IsLiteralNumber(schema)) return 'number';
  if (KindGuard.IsBoolean(schema) || KindGuard.IsLiteralBoolean(schema)) return 'boolean';
  if (KindGuard.IsArray(schema) || KindGuard.IsTuple(schema)) return 'array';
  if (KindGuard.IsObject(schema)) return 'object';
  return 'other';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return shapeOfValue(value) === 'object';
}

/** A required property holding a string literal in every branch (like `kind`), if the union has one. */
export function discriminatorOf(union: TUnion): string | undefined {
  const [first, ...rest] = union.anyOf;
  if (!first || !KindGuard.IsObject(first)) return undefined;
  const isTag = (schema: TSchema, key: string) =>
    KindGuard.IsObject(schema) &&
    (schema.required ?? []).includes(key) &&
    KindGuard.IsLiteralString(schema.properties[key]);
  return Object.keys(first.properties).find((key) => isTag(first, key) && rest.every((other) => isTag(other, key)));
}

export function chooseUnionVariant(union: TUnion, value: unknown): UnionChoice {
  const variants = union.anyOf;
  const variant = (index: number): UnionChoice => ({ kind: 'variant', index, schema: variants[index] as TSchema });

  const key = discriminatorOf(union);
  if (key !== undefined) {
    if (!isPlainObject(value)) return { kind: 'none' };
    const values = variants.map((schema) => (KindGuard.IsObject(schema) ? String(schema.properties[key]?.const) : ''));
    const tag = value[key];
    const index = typeof tag === 'string' ? values.indexOf(tag) : -1;
    return index >= 0 ? variant(index) : { kind: 'bad-discriminator', key, values };
  }

  const passing = variants.findIndex((schema) => Value.Check(schema, value));
  if (passing >= 0) return variant(passing);
  // An enum of literals has no "intended" branch: the whole list is the answer.
  if (variants.every((schema) => KindGuard.IsLiteral(schema))) return { kind: 'none' };

  const shape = shapeOfValue(value);
  let candidates = variants.map((schema, index) => ({ schema, index })).filter(({ schema }) => shapeOfSchema(schema) === shape);
  if (candidates.length > 1 && isPlainObject(value)) {
    const keys = Object.keys(value);
    candidates = candidates.filter(
      ({ schema }) => KindGuard.IsObject(schema) && keys.some((name) => name in schema.properties),
    );
  }
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return only ? variant(only.index) : { kind: 'none' };
}
