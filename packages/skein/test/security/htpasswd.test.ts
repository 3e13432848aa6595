import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Authenticator } from '../../src/cli/authenticator.js';
import { apr1, htpasswdScheme, verifyHtpasswd } from '../../src/cli/htpasswd.js';
import { securityConfigSchema } from '../../src/cli/security-config.js';
import { ConfigError } from '../../src/model/config-error.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';

/**
 * bcrypt vectors made by another implementation: glibc's libxcrypt, through Python's crypt module
 * (`crypt.crypt('reader-password', '$2y$05$abcdefghijklmnopqrstuu')`), as Apache's `htpasswd -B` writes them.
 */
const BCRYPT_2Y = '$2y$05$abcdefghijklmnopqrstuuMuUSIug2fA.aFg27vpC2R8WRma0BnOy';
const BCRYPT_2B = '$2b$05$abcdefghijklmnopqrstuuMuUSIug2fA.aFg27vpC2R8WRma0BnOy';

test('$apr1$ MD5 matches `openssl passwd -apr1` for short, long, empty and non-ASCII passwords', () => {
  for (const [password, salt] of [
    ['secret', 'abcdefgh'],
    ['', 'xy'],
    ['a-much-longer-password-than-sixteen-bytes-and-then-some', 'zz'],
    ['pässwörd ✓', '12345678'],
  ] as const) {
    const expected = execFileSync('openssl', ['passwd', '-apr1', '-salt', salt, password], { encoding: 'utf8', timeout: 10_000 }).trim();
    assert.equal(apr1(password, salt), expected, JSON.stringify(password));
  }
});

test('every htpasswd scheme verifies the right password and refuses a wrong one', async () => {
  const md5 = apr1('reader-password', 'Qz9.xyZ1');
  const sha = `{SHA}${execFileSync('openssl', ['sha1', '-binary'], { input: 'reader-password', timeout: 10_000 }).toString('base64')}`;
  for (const hash of [BCRYPT_2Y, BCRYPT_2B, md5, sha]) {
    const scheme = htpasswdScheme(hash);
    assert.ok(scheme, hash);
    assert.equal(await verifyHtpasswd({ scheme, hash }, 'reader-password'), true, hash);
    assert.equal(await verifyHtpasswd({ scheme, hash }, 'reader-passwore'), false, hash);
  }
  for (const unsupported of ['plain-text', 'abJnggxhB/yWI', '$1$abcdefgh$2EfLN8tSEaJra0/eC6.251', '$5$salt$x', '$2y$05$short'])
    assert.equal(htpasswdScheme(unsupported), undefined, unsupported);
});

test('an htpasswd file mixing schemes authenticates each user; an unsupported line is refused at start-up naming it', async () => {
  const dir = makeTempDir('skein-htpasswd-');
  try {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `# team a\nbcrypt-user:${BCRYPT_2Y}\nmd5-user:${apr1('reader-password', 'salt1234')}\n\n`);
    const auth = securityConfigSchema.parse({ auth: { htpasswd: { file, tenant: 'team-a', roles: ['read'] } } }).auth!;
    const authenticator = new Authenticator(auth);
    const basic = (user: string, password: string) =>
      authenticator.authenticate({
        authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
        proxyTenant: undefined,
      });
    for (const user of ['bcrypt-user', 'md5-user']) {
      assert.deepEqual(await basic(user, 'reader-password'), { subject: `user:${user}`, tenant: 'team-a', roles: ['read'] });
      // Again: answered from the proven-password cache, same identity.
      assert.equal((await basic(user, 'reader-password'))?.subject, `user:${user}`);
      assert.equal(await basic(user, 'wrong'), undefined);
    }
    assert.equal(await basic('nobody', 'reader-password'), undefined);

    writeFileSync(file, `ok:${BCRYPT_2B}\nold:abJnggxhB/yWI\n`);
    assert.throws(
      () => new Authenticator(auth),
      (error: unknown) =>
        error instanceof ConfigError && /line 2: unsupported entry/.test(error.message) && !error.message.includes('abJngg'),
    );
  } finally {
    removeDir(dir);
  }
});
