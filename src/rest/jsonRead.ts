/**
 * Tolerant readers for Microsoft's JSON answers: int64 ids travel as strings (REST-FACTS §4), but a
 * safe-integer number is accepted too (the .NET SDK reads either), and anything else reads as absent.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const INT64 = /^-?\d{1,19}$/;

/** An Int64 id as decimal text, or undefined. */
export function int64Text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const v = value.trim();
    return INT64.test(v) ? v : undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** An int32 such as Code or RoleId: a JSON integer, or (tolerantly) its digits as a string. */
export function intValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,10}$/.test(value.trim())) return Number.parseInt(value.trim(), 10);
  return undefined;
}

/** A trimmed, non-empty string, or undefined (the SOAP reader's `childText()?.trim() || undefined`). */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() || undefined : undefined;
}

/** An id list: null/absent stays null (every account), items that are not ids are dropped. */
export function int64List(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(int64Text).filter((v): v is string => v !== undefined);
}
