// Byte strings (one char per byte) become text only when a record is worth extracting.
import { describe, expect, it } from 'vitest';
import { bytesToText } from '../src/framing/bytes.js';

const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('bytesToText', () => {
  it.each([
    [
      'ASCII, as it is',
      'GET /b/k 404 <Error><Code>NoSuchKey</Code></Error>',
      'GET /b/k 404 <Error><Code>NoSuchKey</Code></Error>',
    ],
    ['an empty line', '', ''],
    ['UTF-8 bytes, decoded', latin1('<Message>é 报</Message>'), '<Message>é 报</Message>'],
    ['a byte that is not UTF-8, as U+FFFD', 'caf\xe9 x', 'caf\ufffd x'],
    ['DEL (0x7f), still ASCII', 'a\x7fb', 'a\x7fb'],
    ['chars above U+00FF (a decoded JSON escape), kept', `报 ${latin1('é')}`, '报 é'],
    ['a lone surrogate, kept', '\ud800 x', '\ud800 x'],
  ])('%s', (_name, bytes, text) => {
    expect(bytesToText(bytes)).toBe(text);
  });
});
