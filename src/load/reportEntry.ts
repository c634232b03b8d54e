import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import unzipper from 'unzipper';
import { ReportFileError } from '../errors.js';

/**
 * The CSV inside a downloaded report zip. Read through the central directory (unzipper.Open), not the
 * streaming parser: local headers with data descriptors make streaming unzip ambiguous (STACK-NOTES §5).
 * A report zip holds exactly one CSV; anything else is not a report we can trust.
 */

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
  let directory: unzipper.CentralDirectory;
  try {
    directory = await unzipper.Open.custom({
      size: async () => (await fs.stat(zipPath)).size,
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
  if (file.uncompressedSize > cap) {
    throw new ReportFileError('zip_bomb', `the report CSV would inflate to ${file.uncompressedSize} bytes, over the ${cap}-byte cap`);
  }

  async function* capped(): AsyncGenerator<Buffer> {
    // Opened on the first read, with the loop listening at once: an inflate error raised before anyone
    // listens would otherwise be lost (and the stream never end) or crash the process.
    const entry = file.stream();
    // unzipper can re-emit an error on the entry after the loop below has stopped listening.
    entry.on('error', () => undefined);
    let bytes = 0;
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        // The declared size can lie: count what actually inflates.
        if (bytes > cap) throw new ReportFileError('zip_bomb', `the report CSV inflates past the ${cap}-byte cap`);
        yield chunk;
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
