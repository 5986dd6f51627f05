/**
 * Fetches a release bundle over http or https into memory, refusing more than maxBytes (announced or
 * received) and anything that takes longer than timeoutMs in all. Follows up to 3 redirects.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

const MAX_REDIRECTS = 3;

export async function downloadBundle(url: string, options: { maxBytes: number; timeoutMs: number }): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let location = url;
  for (let redirects = 0; ; redirects++) {
    const response = await request(location, signal, options.timeoutMs);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location && redirects < MAX_REDIRECTS) {
      response.resume();
      location = new URL(response.headers.location, location).href;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError(`${location}: HTTP ${status}${status >= 300 && status < 400 ? ' (too many redirects)' : ''}`);
    }
    const announced = Number(response.headers['content-length'] ?? NaN);
    if (announced > options.maxBytes) {
      response.destroy();
      throw new DownloadError(`${location}: ${announced} bytes is more than update.maxBundleMiB allows (${options.maxBytes} bytes)`);
    }
    return collect(response, location, options, signal);
  }
}

function request(url: string, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new DownloadError(`args.url: ${JSON.stringify(url)} is not a URL`));
  }
  const get = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : null;
  if (!get) return Promise.reject(new DownloadError(`args.url: ${parsed.protocol} is not supported (use http: or https:)`));
  return new Promise((resolve, reject) => {
    const outgoing = get(parsed, { signal }, resolve);
    outgoing.on('error', (error) => reject(new DownloadError(signal.aborted ? `${url}: no complete answer within ${timeoutMs / 1000} s` : `${url}: ${error.message}`)));
  });
}

function collect(response: IncomingMessage, url: string, options: { maxBytes: number; timeoutMs: number }, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.maxBytes) {
        // Rejected first: destroying the response also reports it as aborted, which must not be the reason.
        reject(new DownloadError(`${url}: more than ${options.maxBytes} bytes (update.maxBundleMiB): download stopped`));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    const cut = (detail: string) => reject(new DownloadError(signal.aborted ? `${url}: download did not finish within ${options.timeoutMs / 1000} s` : `${url}: ${detail}`));
    response.on('error', (error) => cut(error.message));
    response.on('aborted', () => cut(`the connection closed after ${received} bytes`));
    response.on('end', () => {
      if (!response.complete) cut(`the connection closed after ${received} bytes`);
      else resolve(Buffer.concat(chunks));
    });
  });
}
