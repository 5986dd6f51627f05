/**
 * Fills schema defaults into a copy of a raw config. Unlike TypeBox's Value.Default, defaults inside a
 * union are applied to the intended branch even when the value has other errors, so one typo does not
 * also turn every defaulted pin field into a "required" error.
 */
import { KindGuard, type TSchema } from '@sinclair/typebox';
import { chooseUnionVariant } from './union-variant.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a new value with defaults filled in; `value` is not modified. */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  const filled = value === undefined && 'default' in schema ? structuredClone(schema.default) : value;

  if (KindGuard.IsObject(schema) && isPlainObject(filled)) {
    const result: Record<string, unknown> = { ...filled };
    for (const [key, property] of Object.entries(schema.properties)) {
      const child = applyDefaults(property, result[key]);
      if (child !== undefined) result[key] = child;
    }
    return result;
  }
  if (KindGuard.IsArray(schema) && Array.isArray(filled)) {
    return filled.map((item) => applyDefaults(schema.items, item));
  }
  if (KindGuard.IsTuple(schema) && Array.isArray(filled)) {
    const items = schema.items ?? [];
    return filled.map((item, index) => {
      const itemSchema = items[index];
      return itemSchema ? applyDefaults(itemSchema, item) : item;
    });
  }
  if (KindGuard.IsUnion(schema)) {
    const choice = chooseUnionVariant(schema, filled);
    return choice.kind === 'variant' ? applyDefaults(choice.schema, filled) : filled;
  }
  return filled;
}
