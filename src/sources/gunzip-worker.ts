// A worker thread's part of reading a large .gz file: zlib and its stream run here, beside the scanner, and the bytes go over in a few reused buffers.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';
import { type GunzipJob, type GunzipMessage, GZIP_READ_BYTES } from './files.js';

const job = workerData as GunzipJob;
const port = parentPort as NonNullable<typeof parentPort>;
const free = Array.from({ length: job.buffers }, () => new ArrayBuffer(job.bufferBytes));
let returned: (() => void) | undefined;

// The reading thread gives each buffer back once it has framed it.
port.on('message', (bytes: ArrayBuffer) => {
  free.push(bytes);
  returned?.();
  returned = undefined;
});

async function nextFree(): Promise<Uint8Array> {
  while (free.length === 0) await new Promise<void>((resolve) => (returned = resolve));
  return new Uint8Array(free.pop() as ArrayBuffer);
}

function send(buffer: Uint8Array, length: number): void {
  const message: GunzipMessage = { bytes: buffer.buffer as ArrayBuffer, length };
  port.postMessage(message, [buffer.buffer as ArrayBuffer]);
}

async function inflate(): Promise<void> {
  const file = fs.createReadStream(job.path, { highWaterMark: GZIP_READ_BYTES });
  const gunzip = zlib.createGunzip({ chunkSize: job.bufferBytes });
  file.on('error', (error) => gunzip.destroy(error));
  let buffer = await nextFree();
  let length = 0;
  for await (const piece of file.pipe(gunzip) as AsyncIterable<Buffer>) {
    for (let at = 0; at < piece.length; ) {
      const n = Math.min(piece.length - at, buffer.length - length);
      buffer.set(piece.subarray(at, at + n), length);
      length += n;
      at += n;
      if (length === buffer.length) {
        send(buffer, length);
        buffer = await nextFree();
        length = 0;
      }
    }
  }
  if (length > 0) send(buffer, length);
}

inflate().then(
  () => port.postMessage({ end: true } satisfies GunzipMessage),
  (error: Error) => port.postMessage({ error: error.message } satisfies GunzipMessage),
);
