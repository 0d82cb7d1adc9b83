// BasicAuth on its real bcrypt worker: verdicts, the caches of good and wrong credentials, the bound on waiting checks.
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BasicAuth, MAX_PENDING_CHECKS, MAX_REMEMBERED_FAILURES } from '../src/sinks/basic-auth.js';

const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const users = new Map([['prometheus', bcrypt.hashSync('s3cret', 8)]]);

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await f();
  return [value, performance.now() - t];
}

describe('BasicAuth', () => {
  let auth: BasicAuth;
  afterEach(() => auth.close());

  it.each([
    ['no header', 'denied', undefined],
    ['another scheme', 'denied', 'Bearer abc'],
    ['no colon', 'denied', `Basic ${Buffer.from('prometheus').toString('base64')}`],
    ['a wrong password', 'denied', header('prometheus:wrong')],
    ['an unknown user with the right password', 'denied', header('nobody:s3cret')],
    ['the right credentials', 'ok', header('prometheus:s3cret')],
    ['a password holding a colon', 'denied', header('prometheus:s3cret:x')],
  ])('%s → %s', async (_name, expected, h) => {
    auth = new BasicAuth();
    expect(await auth.check(h, users)).toBe(expected);
  });

  it('answers repeated good and repeated wrong credentials from its caches, without bcrypt', async () => {
    auth = new BasicAuth();
    const [, firstGood] = await timed(() => auth.check(header('prometheus:s3cret'), users));
    const [, firstWrong] = await timed(() => auth.check(header('prometheus:nope'), users));
    const [good, againGood] = await timed(() => auth.check(header('prometheus:s3cret'), users));
    const [wrong, againWrong] = await timed(() => auth.check(header('prometheus:nope'), users));
    expect([good, wrong]).toEqual(['ok', 'denied']);
    // bcrypt cost 8 takes milliseconds; a cache hit takes microseconds.
    expect(againGood).toBeLessThan(firstGood / 4);
    expect(againWrong).toBeLessThan(firstWrong / 4);
  });

  it('a changed hash for the user never matches the cached good entry', async () => {
    auth = new BasicAuth();
    expect(await auth.check(header('prometheus:s3cret'), users)).toBe('ok');
    const changed = new Map([['prometheus', bcrypt.hashSync('other', 4)]]);
    expect(await auth.check(header('prometheus:s3cret'), changed)).toBe('denied');
  });

  it(`answers "busy" beyond ${MAX_PENDING_CHECKS} waiting checks, and the rest still get their verdict`, async () => {
    auth = new BasicAuth();
    const verdicts = await Promise.all(
      Array.from({ length: MAX_PENDING_CHECKS + 8 }, (_, i) =>
        auth.check(header(`prometheus:guess-${i}`), users),
      ),
    );
    expect(verdicts.filter((v) => v === 'busy')).toHaveLength(8);
    expect(verdicts.filter((v) => v === 'denied')).toHaveLength(MAX_PENDING_CHECKS);
    expect(await auth.check(header('prometheus:s3cret'), users)).toBe('ok');
  });

  it(`remembers at most ${MAX_REMEMBERED_FAILURES} wrong credentials, forgetting the oldest`, async () => {
    auth = new BasicAuth();
    const cheap = new Map([['u', bcrypt.hashSync('p', 4)]]);
    for (let i = 0; i <= MAX_REMEMBERED_FAILURES; i += 16) {
      await Promise.all(Array.from({ length: 16 }, (_, j) => auth.check(header(`u:wrong-${i + j}`), cheap)));
    }
    const remembered = (auth as unknown as { failures: Set<string> }).failures;
    expect(remembered.size).toBe(MAX_REMEMBERED_FAILURES);
  });
});
