/**
 * The node:fs edge of known_hosts: read a file (a missing file is an empty one) and append a line so that
 * concurrent writers, in this process or others, never lose or interleave a line.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { type KnownHosts, parseKnownHosts } from './known-hosts.js';

/**
 * Reads and parses a known_hosts file; entries and skipped lines carry `path` as their source.
 * @example const { entries, skipped } = await readKnownHosts(`${homedir()}/.ssh/known_hosts`);
 */
export async function readKnownHosts(path: string): Promise<KnownHosts> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: [] };
    throw e;
  }
  return parseKnownHosts(text, path);
}

/**
 * Appends one line. The file is opened with O_APPEND (created 0600, its directory 0700 like ~/.ssh) and the
 * whole line, newline included, goes down in a single write(2): POSIX makes each O_APPEND write land at the
 * end of the file as one unit, so parallel appenders cannot tear each other's lines. If a hand-edited file
 * does not end with a newline, one is put in front so the new line does not glue onto the last one.
 * @example await appendKnownHost(path, formatKnownHostsLine('example.com', 22, key));
 * @throws UsageError when `line` contains a line break
 */
export async function appendKnownHost(path: string, line: string): Promise<void> {
  if (/[\r\n]/.test(line)) throw new UsageError('known_hosts: a line to append cannot contain a line break');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const data = Buffer.from(`${prefix}${line}\n`, 'utf8');
    let written = 0;
    // A regular file takes a small write whole; the loop only guards against a short write (e.g. a full disk).
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}
