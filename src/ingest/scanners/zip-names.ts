import yauzl from 'yauzl';

export interface ZipListing {
  names: string[];
  /** Set when the listing stopped early: more entries than the limit, or an unreadable archive. */
  problem?: string;
}

/**
 * The file names inside a zip archive, read from its central directory with yauzl; nothing is
 * decompressed. A damaged archive yields the names read so far and a problem, never an exception.
 */
export function listZipNames(data: Buffer, maxEntries = 10_000): Promise<ZipListing> {
  return new Promise((resolve) => {
    const names: string[] = [];
    yauzl.fromBuffer(
      data,
      { lazyEntries: true, decodeStrings: true, strictFileNames: false, validateEntrySizes: false },
      (openError, zip) => {
        if (openError || !zip) {
          resolve({ names, problem: `unreadable zip: ${openError?.message ?? 'no archive'}` });
          return;
        }
        let settled = false;
        const finish = (problem?: string) => {
          if (settled) return;
          settled = true;
          zip.close();
          resolve(problem ? { names, problem } : { names });
        };
        zip.on('entry', (entry: yauzl.Entry) => {
          names.push(entry.fileName);
          if (names.length >= maxEntries) finish(`more than ${maxEntries} entries; the rest are not read`);
          else zip.readEntry();
        });
        zip.on('end', () => finish());
        zip.on('error', (error: Error) => finish(`unreadable zip: ${error.message}`));
        zip.readEntry();
      },
    );
  });
}
