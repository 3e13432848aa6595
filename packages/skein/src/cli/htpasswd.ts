import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * The password formats Apache's `htpasswd` writes, checked the way Apache (and the Collector's
 * basicauth extension) checks them: `$2y$`/`$2a$`/`$2b$` bcrypt (`htpasswd -B`), `$apr1$` MD5
 * (`htpasswd` with no option: the format most existing files hold), `{SHA}` (`htpasswd -s`).
 * crypt(3) DES and plain text are refused when the file is loaded: a user that cannot be checked
 * must not be let in, or silently locked out.
 */

export type HtpasswdScheme = 'bcrypt' | 'apr1' | 'sha1';

export interface HtpasswdEntry {
  readonly scheme: HtpasswdScheme;
  readonly hash: string;
}

/** The scheme of a stored hash, or undefined for one Skein cannot check. */
export function htpasswdScheme(hash: string): HtpasswdScheme | undefined {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$apr1\$[^$]{1,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'apr1';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha1';
  return undefined;
}

/** Whether `password` matches; comparisons of digests are constant-time. */
export async function verifyHtpasswd(entry: HtpasswdEntry, password: string): Promise<boolean> {
  switch (entry.scheme) {
    case 'bcrypt':
      // bcryptjs knows $2a$/$2b$; $2y$ (PHP's and Apache's name for the fixed algorithm) is the same hash.
      return bcrypt.compare(password, entry.hash.replace(/^\$2y\$/, '$2b$'));
    case 'apr1': {
      const salt = entry.hash.split('$')[2]!;
      return sameText(apr1(password, salt), entry.hash);
    }
    case 'sha1':
      return sameText(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, entry.hash);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Apache's MD5 crypt (apr_md5.c, the FreeBSD MD5-crypt with the magic `$apr1$`): 1000 rounds of
 * MD5 and crypt's own base-64. Checked against `openssl passwd -apr1` in the tests.
 */
export function apr1(password: string, salt: string): string {
  const magic = '$apr1$';
  const pw = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, 8), 'utf8');
  const md5 = (...parts: Buffer[]): Buffer => {
    const hash = createHash('md5');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };
  const alternate = md5(pw, saltBytes, pw);
  const start: Buffer[] = [pw, Buffer.from(magic), saltBytes];
  for (let left = pw.length; left > 0; left -= 16) start.push(alternate.subarray(0, Math.min(16, left)));
  for (let bits = pw.length; bits > 0; bits >>= 1) start.push(bits & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let digest = md5(...start);
  for (let round = 0; round < 1000; round++) {
    const parts: Buffer[] = [round & 1 ? pw : digest];
    if (round % 3) parts.push(saltBytes);
    if (round % 7) parts.push(pw);
    parts.push(round & 1 ? digest : pw);
    digest = md5(...parts);
  }
  const groups: Array<[number, number, number]> = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let encoded = '';
  const put = (value: number, characters: number): void => {
    for (let i = 0; i < characters; i++, value >>= 6) encoded += CRYPT_ALPHABET[value & 0x3f];
  };
  for (const [a, b, c] of groups) put((digest[a]! << 16) | (digest[b]! << 8) | digest[c]!, 4);
  put(digest[11]!, 2);
  return `${magic}${saltBytes.toString('utf8')}$${encoded}`;
}
