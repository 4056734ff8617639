// @ts-check
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * A model mirror on 127.0.0.1 for the e2e run, and a catalog whose one entry is the known-output
 * model: the catalog names its public URL (`https://huggingface.co/...`, never reached),
 * `slmAssist.models.mirror` points at this server, which serves the same path. It sends the file
 * slowly enough (about 2 s) for the progress notification to be seen, and honours Range.
 */

export const CATALOG_PATH = '/slm-assist/known-GGUF/resolve/main/known.gguf';

/**
 * @param {{ modelFile: string, catalogFile: string, name: string }} options
 * @returns {Promise<{ origin: string, requests: string[], close: () => Promise<void> }>}
 */
export async function startMirror({ modelFile, catalogFile, name }) {
  const body = readFileSync(modelFile);
  /** @type {string[]} */
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`.trim());
    if (req.url !== CATALOG_PATH) return void res.writeHead(404).end('Not found');
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Math.min(Number(range[1]), body.length) : 0;
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length - start, 'Accept-Ranges': 'bytes' };
    if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    let sent = start;
    const next = () => {
      if (res.destroyed) return;
      if (sent >= body.length) return void res.end();
      const piece = body.subarray(sent, sent + 32 * 1024);
      sent += piece.length;
      res.write(piece, () => setTimeout(next, 40));
    };
    next();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the mirror has no port');
  const entry = {
    id: 'known',
    name,
    role: 'completion',
    fileName: 'known.gguf',
    url: `https://huggingface.co${CATALOG_PATH}`,
    sizeBytes: body.length,
    sizeExact: true,
    sha256: createHash('sha256').update(body).digest('hex'),
    license: 'MIT (generated test model)',
    licenseUrl: 'https://example.com/LICENSE',
    fim: 'qwen',
    parameters: '0.4M',
    contextSize: 2048,
    memoryBytes: 300 * 2 ** 20,
  };
  writeFileSync(catalogFile, JSON.stringify({ entries: [entry] }, null, 2));
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
