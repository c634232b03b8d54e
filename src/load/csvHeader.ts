import { ReportFileError } from '../errors.js';
import { recordFields, splitRecords } from './csvRecords.js';
import { parseReportMetadata, type ReportMetadata } from './reportMetadata.js';

/**
 * The start of a Microsoft report CSV: optional UTF-8 BOM, optional report header block (single-field
 * "Key: value" lines ended by a blank line), then the column header row (REPORTING-FACTS §5.2).
 */

export interface CsvHeader {
  /** The header's names in file order, trimmed; a blank name (e.g. from a trailing comma) is ''. */
  columns: string[];
  /** 1-based line number of the first data row. */
  firstDataLine: number;
  /** The report header block, parsed; null when the file has none. */
  metadata: ReportMetadata | null;
}

const BOM = [0xef, 0xbb, 0xbf] as const;
const METADATA_LINE = /^[A-Za-z][A-Za-z ]*:/;

/**
 * Finds the column header row in the first bytes of a file. Returns null when more bytes are needed
 * (unless `final`), else the header and the offset where data rows begin.
 */
export function readHeader(head: Buffer, final: boolean): { header: CsvHeader; dataStart: number } | null {
  const bomLength = BOM.every((b, i) => head[i] === b) ? BOM.length : 0;
  const body = head.subarray(bomLength);
  let inBlock = false;
  let sawLine = false;
  const metadataLines: string[] = [];
  for (const span of splitRecords(body)) {
    const complete = span.next < body.length || body[span.next - 1] === 0x0a;
    if (!complete && !final) return null;
    if (span.blank) {
      inBlock = false;
      continue;
    }
    const fields = recordFields(body.subarray(span.start, span.next));
    if (!sawLine && fields?.length === 1 && METADATA_LINE.test(fields[0] as string)) inBlock = true;
    sawLine = true;
    if (inBlock) {
      metadataLines.push((fields ?? []).join(','));
      continue;
    }
    if (fields === null) throw new ReportFileError('columns_mismatch', 'the column header row is not valid CSV');
    const linesBefore = countNewlines(body.subarray(0, span.next)) + (complete ? 0 : 1);
    return {
      header: {
        columns: fields.map((f) => f.replace(/^\uFEFF/, '').trim()),
        firstDataLine: linesBefore + 1,
        metadata: parseReportMetadata(metadataLines),
      },
      dataStart: bomLength + span.next,
    };
  }
  if (!final) return null;
  throw new ReportFileError('columns_mismatch', 'the report file has no column header row');
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return n;
}

/** The header must name exactly the requested columns, in any order; blank names are ignored. */
export function checkHeaderColumns(found: readonly string[], requested: readonly string[]): void {
  const named = found.filter((c) => c !== '');
  const want = new Set(requested);
  const have = new Set(named);
  const missing = requested.filter((c) => !have.has(c));
  const unexpected = [...have].filter((c) => !want.has(c));
  const duplicated = [...have].filter((c) => named.indexOf(c) !== named.lastIndexOf(c));
  if (missing.length + unexpected.length + duplicated.length === 0) return;
  const parts = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
    duplicated.length > 0 ? `duplicated ${duplicated.join(', ')}` : '',
  ].filter((p) => p !== '');
  throw new ReportFileError('columns_mismatch', `report file columns differ from the request: ${parts.join('; ')}`);
}
