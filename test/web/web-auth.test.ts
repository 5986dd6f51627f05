import type { IncomingMessage } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../edge/config/index.js';
import { WebAuth, sameSecret } from '../../edge/web/web-auth.js';
import { WebCredentialError, resolveWebCredentials } from '../../edge/web/web-credentials.js';
import { exampleRaw } from '../config/example-raw.js';

const test = suite('web page credentials and sessions');

const asRequest = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const cookieOf = (setCookie: string) => ({ cookie: setCookie.split(';')[0]! });
const WEB_DEFAULTS = { enabled: true, bind: '127.0.0.1', port: 8080, streamFps: 4, streamMaxSide: 480 };

test('the token is accepted as a bearer header; anything else is refused', () => {
  const auth = new WebAuth('s3cret-token');
  assert.ok(auth.allows(asRequest({ authorization: 'Bearer s3cret-token' })));
  assert.not.ok(auth.allows(asRequest({ authorization: 'Bearer s3cret-tokeN' })));
  assert.not.ok(auth.allows(asRequest({ authorization: 'Basic czNjcmV0' })));
  assert.not.ok(auth.allows(asRequest({})));
  assert.not.ok(auth.allows(asRequest({ cookie: 'nutgiao_session=guessed' })));
});

test('login with the token gives an HttpOnly, SameSite=Strict session that expires and can be logged out', () => {
  let now = 1_000_000;
  const auth = new WebAuth('s3cret-token', () => now);
  assert.is(auth.login('wrong'), null);
  const setCookie = auth.login('s3cret-token')!;
  assert.match(setCookie, /^nutgiao_session=[A-Za-z0-9_-]{32}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
  assert.ok(auth.allows(asRequest(cookieOf(setCookie))));
  now += 12 * 3600_000 + 1;
  assert.not.ok(auth.allows(asRequest(cookieOf(setCookie))), 'expired after 12 h');
  const again = auth.login('s3cret-token')!;
  assert.match(auth.logout(asRequest(cookieOf(again))), /Max-Age=0/);
  assert.not.ok(auth.allows(asRequest(cookieOf(again))), 'logged out');
});

test('repeated logins do not grow the session table without bound', () => {
  const auth = new WebAuth('s3cret-token');
  const first = auth.login('s3cret-token')!;
  for (let n = 0; n < 64; n++) auth.login('s3cret-token');
  assert.not.ok(auth.allows(asRequest(cookieOf(first))), 'the oldest session gave way');
});

test('without a token (localhost only) the page is open', () => {
  const auth = new WebAuth(null);
  assert.ok(auth.open);
  assert.ok(auth.allows(asRequest({})));
});

test('sameSecret compares content, whatever the lengths', () => {
  assert.ok(sameSecret('abc', 'abc'));
  assert.not.ok(sameSecret('abc', 'abcd'));
  assert.not.ok(sameSecret('', 'abc'));
});

test('credentials come from the config, the environment or a file (trailing newline dropped)', () => {
  assert.equal(resolveWebCredentials({ ...WEB_DEFAULTS, token: 'plain-token' }, {}), { token: 'plain-token', metricsToken: null });
  assert.is(resolveWebCredentials({ ...WEB_DEFAULTS, token: { env: 'WEB_TOKEN' } }, { WEB_TOKEN: 'from-env' }).token, 'from-env');
  const files: Record<string, string> = { '/etc/nutgiao/metrics': 'scrape-me\n' };
  const readFile = (path: string) => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return files[path]!;
  };
  assert.is(resolveWebCredentials({ ...WEB_DEFAULTS, metricsToken: { file: '/etc/nutgiao/metrics' } }, {}, readFile).metricsToken, 'scrape-me');
  assert.throws(() => resolveWebCredentials({ ...WEB_DEFAULTS, token: { env: 'WEB_TOKEN' } }, {}), (error: Error) => error instanceof WebCredentialError && /^web\.token\.env: environment variable WEB_TOKEN is not set$/.test(error.message));
  assert.throws(() => resolveWebCredentials({ ...WEB_DEFAULTS, token: { file: '/nope' } }, {}, readFile), /^web\.token\.file: cannot read \/nope/);
});

test('config validation refuses a page off localhost without web.token, naming the field and the fix', () => {
  const open = exampleRaw();
  open.web = { enabled: true, bind: '0.0.0.0' };
  const refused = validateConfig(open);
  assert.not.ok(refused.ok);
  if (!refused.ok) assert.ok(refused.errors.some((error) => /^web\.token: the page is bound to 0\.0\.0\.0 .*set web\.token .* or bind to 127\.0\.0\.1$/.test(error)), refused.errors.join('\n'));
  const guarded = exampleRaw();
  guarded.web = { enabled: true, bind: '0.0.0.0', token: { env: 'NUTGIAO_WEB_TOKEN' } };
  assert.ok(validateConfig(guarded).ok);
  const local = exampleRaw();
  local.web = { enabled: true };
  assert.ok(validateConfig(local).ok, 'localhost needs no credential');
  const short = exampleRaw();
  short.web = { enabled: true, token: 'short' };
  const tooShort = validateConfig(short);
  assert.not.ok(tooShort.ok);
  if (!tooShort.ok) assert.match(tooShort.errors.join('\n'), /web\.token/);
});

test.run();
