import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import unzipper from 'unzipper';
import { ReportFileError } from '../errors.js';
import { declaredEntryCount } from './zipEnd.js';

/**
 * The CSV inside a downloaded report zip. Read through the central directory (unzipper.Open), not the
 * streaming parser: local headers with data descriptors make streaming unzip ambiguous (STACK-NOTES §5).
 * A report zip holds exactly one CSV; anything else is not a report we can trust.
 *
 * A zip bomb is refused as a bad file (zip_bomb, never retried) at three points, since each header
 * can lie: the entry count of the end records before unzipper reads the directory, the entry's
 * declared sizes (zip64 extra field included) before it inflates, and the bytes it actually
 * inflates, counted as they stream.
 */

/** More entries than any report zip has; unzipper holds one slot per declared entry. */
const MAX_DECLARED_ENTRIES = 100;

export interface ReportCsv {
  stream: Readable;
  /** As declared by the central directory; the stream enforces the cap on what actually inflates. */
  uncompressedSize: number;
}

export async function openReportCsv(zipPath: string, opts: { maxUncompressedBytes: number }): Promise<ReportCsv> {
  // Our own file source, so every read stream unzipper opens is closed when the entry stream ends or
  // is abandoned: unzipper does not close an entry's file stream when its consumer stops early.
  const opened = new Set<ReadStream>();
  const closeAll = () => {
    for (const s of opened) s.destroy();
    opened.clear();
  };
  const zipSize = (await fs.stat(zipPath)).size;
  const declaredEntries = await declaredEntryCount(zipPath, zipSize);
  if (declaredEntries !== undefined && declaredEntries > MAX_DECLARED_ENTRIES) {
    throw new ReportFileError('zip_bomb', `the report zip declares ${declaredEntries} entries; a report zip holds one CSV`);
  }
  let directory: unzipper.CentralDirectory;
  try {
    directory = await unzipper.Open.custom({
      size: async () => zipSize,
      stream: (offset: number, length: number) => {
        const s = createReadStream(zipPath, length ? { start: offset, end: offset + length } : { start: offset });
        opened.add(s);
        s.once('close', () => opened.delete(s));
        return s;
      },
    });
  } catch (err) {
    closeAll();
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw new ReportFileError('corrupt_zip', 'the report file is not a readable zip archive', err);
  }
  closeAll();

  const files = directory.files.filter((f) => f.type === 'File');
  if (files.length === 0) throw new ReportFileError('no_entry', 'the report zip holds no file');
  if (files.length > 1) {
    throw new ReportFileError('several_entries', `the report zip holds ${files.length} files; a report has exactly one CSV`);
  }
  const file = files[0] as unzipper.File;
  const cap = opts.maxUncompressedBytes;
  checkDeclaredSizes(file, zipSize, cap);

  async function* capped(): AsyncGenerator<Buffer> {
    // Opened on the first read, with the loop listening at once: an inflate error raised before anyone
    // listens would otherwise be lost (and the stream never end) or crash the process.
    const entry = file.stream();
    // unzipper can re-emit an error on the entry after the loop below has stopped listening.
    entry.on('error', () => undefined);
    let bytes = 0;
    let crc = 0;
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        // The declared size can lie: count what actually inflates.
        if (bytes > cap) throw new ReportFileError('zip_bomb', `the report CSV inflates past the ${cap}-byte cap`);
        crc = crc32(chunk, crc);
        yield chunk;
      }
      // Bytes altered in transit or on disk can inflate without an error (or be stored uncompressed):
      // the entry's CRC-32 is the one check that the CSV is the one Microsoft wrote. Thrown before the
      // stream ends, so the load fails and its transaction rolls back.
      if (file.crc32 !== undefined && crc >>> 0 !== file.crc32 >>> 0) {
        throw new ReportFileError('corrupt_zip', `the report CSV fails its CRC-32 check (${hex(crc)} read, ${hex(file.crc32)} in the zip): the file is damaged`);
      }
    } catch (err) {
      if (err instanceof ReportFileError) throw err;
      throw new ReportFileError('corrupt_zip', 'the report zip entry could not be inflated', err);
    } finally {
      entry.destroy();
      closeAll();
    }
  }
  return { stream: Readable.from(capped(), { objectMode: false }), uncompressedSize: file.uncompressedSize };
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/**
 * Reads the zip's CSV to its end and returns why it is damaged (corrupt_zip, zip_bomb), or undefined
 * when it is intact. For the error path only: garbage from a damaged entry can upset the CSV reader
 * before the inflate or CRC error surfaces, and the user should hear the cause, not the symptom.
 */
export async function findZipDamage(zipPath: string, opts: { maxUncompressedBytes: number }): Promise<ReportFileError | undefined> {
  try {
    const { stream } = await openReportCsv(zipPath, opts);
    for await (const _chunk of stream) {
      // drained only for the checks
    }
    return undefined;
  } catch (err) {
    return err instanceof ReportFileError && (err.reason === 'corrupt_zip' || err.reason === 'zip_bomb') ? err : undefined;
  }
}

/**
 * unzipper takes a size of 0xFFFFFFFF from the zip64 extra field, and leaves it undefined when that
 * field is missing: a size we cannot know is refused like one over the cap. A compressed size larger
 * than the whole file is a lie too (and past 2^53 it would make the file read throw a RangeError).
 */
function checkDeclaredSizes(file: unzipper.File, zipSize: number, cap: number): void {
  const { uncompressedSize, compressedSize } = file;
  if (typeof uncompressedSize !== 'number' || typeof compressedSize !== 'number' || Number.isNaN(uncompressedSize + compressedSize)) {
    throw new ReportFileError('zip_bomb', 'the report CSV declares no size: its zip64 entry lacks the zip64 extra field with its sizes');
  }
  if (uncompressedSize > cap) {
    throw new ReportFileError('zip_bomb', `the report CSV would inflate to ${uncompressedSize} bytes, over the ${cap}-byte cap`);
  }
  if (compressedSize > zipSize) {
    throw new ReportFileError('zip_bomb', `the report CSV declares a compressed size of ${compressedSize} bytes in a zip of ${zipSize} bytes`);
  }
}
