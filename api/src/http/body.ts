import zlib from 'node:zlib';
import type { Request, Response } from 'restify';
import { HttpError } from './problem';

export interface ReadBodyOptions {
  /** Limit on the decoded body; a gzip body is bounded after decompression too. */
  limitBytes: number;
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'payload_too_large', `Request body exceeds the ${limit}-byte limit.`);

function collect(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.removeAllListeners('data');
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', (err: Error) =>
      reject(
        err instanceof HttpError
          ? err
          : new HttpError(400, 'bad_body', 'The request body could not be read.'),
      ),
    );
  });
}

/** restify middleware: reads the body with a size bound, inflates gzip, parses JSON. */
export function bodyReader(options: ReadBodyOptions) {
  const limit = options.limitBytes;
  return async function readBody(req: Request, res: Response): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      res.setHeader('connection', 'close');
      throw tooLarge(limit);
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let source: NodeJS.ReadableStream = req;
    if (encoding === 'gzip') {
      const gunzip = zlib.createGunzip();
      req.pipe(gunzip);
      source = gunzip;
    } else if (encoding !== 'identity') {
      throw new HttpError(
        415,
        'unsupported_encoding',
        `Content-Encoding "${encoding}" is not supported; use gzip or none.`,
      );
    }
    let raw: Buffer;
    try {
      raw = await collect(source, limit);
    } catch (err) {
      // Stop reading a body we will not use, so a large upload cannot hold the socket.
      req.unpipe();
      res.setHeader('connection', 'close');
      throw err;
    }
    // restify's typings already declare `rawBody` (as any): handlers that verify bytes read it.
    req.rawBody = raw;
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (raw.length > 0 && /^application\/([a-z0-9.+-]*\+)?json/.test(type)) {
      try {
        req.body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
      }
    } else {
      req.body = raw.length > 0 ? raw.toString('utf8') : undefined;
    }
  };
}
