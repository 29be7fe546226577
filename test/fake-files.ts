import type { ReadFile } from '../lib/security-options-reader';

/** A ReadFile over paths and their contents; any other path fails as a missing file does (ENOENT). */
export function fakeFiles(files: Record<string, string>): ReadFile {
  return (path) => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return Buffer.from(files[path]!);
  };
}
