// The HTTP status read from every line for oss_requests_total: the rules the chunk scanner's byte paths mirror.
import { describe, expect, it } from 'vitest';
import { cheapStatus } from '../src/extract/status.js';

const CLF = '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k HTTP/1.1"';

describe('cheapStatus', () => {
  it.each([
    ['combined format', `${CLF} 404 12 "-" "curl/8"`, 404],
    ['combined, status last on the line', `${CLF} 503 `, 503],
    ['combined, no space after the status', `${CLF} 404`, 0],
    ['combined, a class out of range', `${CLF} 604 12`, 0],
    ['JSON status', '{"status":503,"request":"GET / HTTP/1.1"}', 503],
    ['JSON status as a string, after a space', '{"status": "301","msg":"x"}', 301],
    ['JSON http_status', '{"http_status":"301","msg":"x"}', 301],
    ['JSON DownstreamStatus', '{"DownstreamStatus":502}', 502],
    ['JSON: status outranks http_status wherever it stands', '{"http_status":500,"status":200}', 200],
    ['JSON: http_status outranks DownstreamStatus', '{"DownstreamStatus":502,"http_status":404}', 404],
    ['JSON without a status key', '{"msg":"no status here"}', 0],
    ['JSON status cut short by the line end', '{"status":4', 0],
    ['JSON status cut short after its quote', '{"status": "2', 0],
    ['JSON key with nothing after it', '{"status":', 0],
    ['JSON status that is not a number', '{"status":"ok"}', 0],
  ])('%s', (_name, line, status) => {
    expect(cheapStatus(line)).toBe(status);
  });

  it('skips a container prefix given as the start', () => {
    const prefix = '2026-11-24T10:00:00.1Z stdout F ';
    expect(cheapStatus(`${prefix}{"status":429}`, prefix.length)).toBe(429);
  });
});
