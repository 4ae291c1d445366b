/**
 * The "randomart" picture ssh-keygen prints under a fingerprint: the "drunken bishop" walk of Loss, Limmer
 * and von Gernler ("The drunken bishop: an analysis of the OpenSSH fingerprint visualization algorithm",
 * 2009). A bishop starts in the middle of a 17×9 board and, for every 2 bits of the digest (low bits of each
 * byte first), steps one square diagonally (bit 0: right/left, bit 1: down/up), sliding along walls; each
 * square shows how often it was visited, S marks the start and E the end.
 */

const WIDTH = 17;
const HEIGHT = 9;
/** Visit counts 0..14 map to these characters; the last two are the start and end marks. */
const SYMBOLS = ' .o+=*BOX@%&#/^SE';
const START = SYMBOLS.length - 2;
const END = SYMBOLS.length - 1;

/** A border line with `label` centred the way ssh-keygen centres it (extra dash on the right). */
function border(label: string): string {
  const left = Math.floor((WIDTH - label.length) / 2);
  return `+${'-'.repeat(left)}${label}${'-'.repeat(WIDTH - left - label.length)}+`;
}

/**
 * @param digest the raw fingerprint hash
 * @param title e.g. `ED25519 256` (shown as `[ED25519 256]`, or `[ED25519-CERT]` when the size does not fit)
 * @param typeOnly the title without the size, used when the full title is too wide
 * @param hashName e.g. `SHA256`
 * @example randomart(sha256(blob), 'ED25519 256', 'ED25519', 'SHA256').split('\n').length // 11
 */
export function randomart(digest: Uint8Array, title: string, typeOnly: string, hashName: string): string {
  const visits = Array.from({ length: WIDTH }, () => new Array<number>(HEIGHT).fill(0));
  let x = Math.floor(WIDTH / 2);
  let y = Math.floor(HEIGHT / 2);
  for (const byte of digest) {
    for (let shift = 0; shift < 8; shift += 2) {
      const step = (byte >> shift) & 3;
      x = Math.min(Math.max(x + (step & 1 ? 1 : -1), 0), WIDTH - 1);
      y = Math.min(Math.max(y + (step & 2 ? 1 : -1), 0), HEIGHT - 1);
      if (visits[x][y] < START - 1) visits[x][y]++; // counts stop below the start/end marks
    }
  }
  visits[Math.floor(WIDTH / 2)][Math.floor(HEIGHT / 2)] = START;
  visits[x][y] = END;

  // ssh-keygen formats the title into a 17-byte buffer: at most 16 characters fit.
  const full = `[${title}]`;
  const label = full.length <= WIDTH ? full.slice(0, WIDTH - 1) : `[${typeOnly}]`;
  const rows: string[] = [border(label)];
  for (let row = 0; row < HEIGHT; row++) {
    let line = '|';
    for (let col = 0; col < WIDTH; col++) line += SYMBOLS[visits[col][row]];
    rows.push(`${line}|`);
  }
  rows.push(border(`[${hashName}]`));
  return rows.join('\n');
}
