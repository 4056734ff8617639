import assert from 'node:assert/strict';
import { SseParser, type SseEvent } from '../../../server/src/remote/sse';

/** Feeds `stream` in pieces cut at `cuts` and returns every event. */
function parse(stream: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    for (const event of parser.push(stream.slice(at, cut))) events.push(event);
    at = cut;
  }
  events.push(...parser.end());
  return events;
}

const STREAM = [
  ': keep-alive comment',
  'data: {"choices":[{"delta":{"content":"Hel"}}]}',
  '',
  'data:{"choices":[{"delta":{"content":"lo é 漢"}}]}',
  '',
  'event: error',
  'data: {"error":',
  'data:  {"message":"boom"}}',
  'id: 7',
  '',
  ':',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"choices":[{"delta":{"content":"Hel"}}]}' },
  { event: 'message', data: '{"choices":[{"delta":{"content":"lo é 漢"}}]}' },
  { event: 'error', data: '{"error":\n {"message":"boom"}}', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

describe('SseParser', () => {
  it('parses events, comments, multi-line data, event names and ids', () => {
    assert.deepEqual(parse(STREAM, []), EXPECTED);
  });

  it('gives the same events however the stream is split, one cut anywhere', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) assert.deepEqual(parse(STREAM, [cut]), EXPECTED, `cut at ${cut}`);
  });

  it('gives the same events when the stream arrives one character at a time', () => {
    assert.deepEqual(
      parse(
        STREAM,
        Array.from({ length: STREAM.length }, (_, i) => i),
      ),
      EXPECTED,
    );
  });

  it('treats CRLF and CR line ends like LF, also when a chunk ends between \\r and \\n', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    const cr = STREAM.replace(/\n/g, '\r');
    assert.deepEqual(parse(crlf, []), EXPECTED);
    assert.deepEqual(parse(cr, []), EXPECTED);
    for (let cut = 0; cut <= crlf.length; cut++) assert.deepEqual(parse(crlf, [cut]), EXPECTED, `crlf cut at ${cut}`);
    for (let cut = 0; cut <= cr.length; cut += 3) assert.deepEqual(parse(cr, [cut, cut + 1]), EXPECTED, `cr cut at ${cut}`);
  });

  it('strips a byte order mark at the start only', () => {
    assert.deepEqual(parse('\uFEFFdata: a\n\n', [1]), [{ event: 'message', data: 'a' }]);
  });

  it('delivers a last event whose blank line never came', () => {
    assert.deepEqual(parse('data: x\n\ndata: [DONE]', []), [
      { event: 'message', data: 'x' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('ignores events without data and unknown fields', () => {
    assert.deepEqual(parse('event: ping\n\nretry: 100\nfoo: bar\n\n', []), []);
  });

  it('keeps an empty data line as an empty event', () => {
    assert.deepEqual(parse('data\n\n', []), [{ event: 'message', data: '' }]);
  });

  it('handles a long line arriving in many small chunks in linear time', () => {
    const line = `data: ${'x'.repeat(2_000_000)}\n\n`;
    const started = performance.now();
    const events = parse(
      line,
      Array.from({ length: 20_000 }, (_, i) => i * 100),
    );
    assert.equal(events[0].data.length, 2_000_000);
    assert.ok(performance.now() - started < 2000);
  });

  it('handles many lines in one chunk in linear time', () => {
    const stream = 'data: {"a":1}\n\n'.repeat(200_000);
    const started = performance.now();
    assert.equal(parse(stream, []).length, 200_000);
    assert.ok(performance.now() - started < 2000);
  });
});
