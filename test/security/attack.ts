/**
 * What the security suite sends: raw HTTP requests whose path goes on the wire exactly as
 * written (fetch would normalise dot segments and encodings first), and the spellings of one
 * path that a router may still match while a prefix test on the URL text does not.
 */
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function rawRequest(
  base: string,
  method: string,
  rawPath: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: rawPath, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${rawPath} timed out`)));
    req.end(options.body);
  });
}

const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Spellings of `path` (e.g. /v1/jobs/abc): encoded letters and digits (lower and upper hex),
 * the whole path encoded, double encoding, doubled slashes, dot segments, an encoded slash,
 * other letter case, a trailing slash, a query, a fragment-like suffix and path parameters.
 */
export function pathVariants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const out = new Set<string>([path]);
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '/') continue;
    out.add(path.slice(0, i) + hex(c) + path.slice(i + 1));
    out.add(path.slice(0, i) + hex(c).toUpperCase() + path.slice(i + 1));
  }
  out.add(
    [...path].map((c) => (c === '/' ? c : hex(c))).join(''), // every character encoded
  );
  out.add(path.replace(/[a-z0-9]/, (c) => `%25${hex(c).slice(1)}`)); // double encoding
  for (let i = 0; i < segments.length; i++) {
    const before = `/${segments.slice(0, i).join('/')}`.replace(/^\/$/, '');
    const after = segments.slice(i).join('/');
    out.add(`${before}//${after}`);
    out.add(`${before}/./${after}`);
    out.add(`${before}/x/../${after}`);
    out.add(`${before}/%2e/${after}`);
    out.add(`${before}/x/%2e%2e/${after}`);
    if (i > 0) out.add(`${before}%2f${after}`);
  }
  out.add(path.toUpperCase());
  out.add(path.replace(/^\/(\w)/, (_m, c: string) => `/${c.toUpperCase()}`));
  out.add(`${path}/`);
  out.add(`${path}?a=1`);
  out.add(`${path}%3fa=1`);
  out.add(`${path};a=1`);
  out.add(`${path}%00`);
  out.add(`${path}#x`);
  return [...out];
}
