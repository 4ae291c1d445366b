/**
 * The one failure type of examples/keygen.ts: its message is the whole line printed on stderr (naming the
 * file and the reason), and the program exits with status 1.
 */
export class KeygenError extends Error {
  override name = 'KeygenError';
}
