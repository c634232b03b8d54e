import { parse } from 'csv-parse/sync';

/**
 * Byte-level CSV record boundaries without parsing fields: a newline ends a record unless it lies
 * inside quotes, and since RFC 4180 escapes a quote by doubling it, the parity of quotes seen so far
 * tells which. One pass of cheap byte compares, so it can run over every byte of a large file.
 */
export class RecordScanner {
  private quoted = false;
  private nonBlank = false;

  /**
   * Calls onEnd for each record end in `chunk`, with the index just after its '\n' and whether the
   * record held only whitespace (a blank line). State carries over to the next chunk.
   */
  scan(chunk: Uint8Array, onEnd: (next: number, blank: boolean) => void): void {
    let quoted = this.quoted;
    let nonBlank = this.nonBlank;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === 0x22) {
        quoted = !quoted;
        nonBlank = true;
      } else if (b === 0x0a) {
        if (!quoted) {
          onEnd(i + 1, !nonBlank);
          nonBlank = false;
        }
      } else if (b > 0x20) {
        nonBlank = true;
      }
    }
    this.quoted = quoted;
    this.nonBlank = nonBlank;
  }
}

export interface RecordSpan {
  start: number;
  /** Just after the record's newline, or the buffer's end for a last record without one. */
  next: number;
  blank: boolean;
}

/** The records of a whole buffer; a final record without a newline counts too. */
export function splitRecords(buffer: Uint8Array): RecordSpan[] {
  const spans: RecordSpan[] = [];
  let start = 0;
  new RecordScanner().scan(buffer, (next, blank) => {
    spans.push({ start, next, blank });
    start = next;
  });
  if (start < buffer.length) {
    const rest = buffer.subarray(start);
    spans.push({ start, next: buffer.length, blank: rest.every((b) => b <= 0x20) });
  }
  return spans;
}

/** The fields of one record (its bytes, newline included or not); null if it is not valid CSV. */
export function recordFields(record: Uint8Array): string[] | null {
  try {
    const rows = parse(Buffer.from(record.buffer, record.byteOffset, record.byteLength), {
      relax_column_count: true,
      skip_empty_lines: false,
    }) as string[][];
    return rows[0] ?? [];
  } catch {
    return null;
  }
}
