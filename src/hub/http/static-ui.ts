/**
 * The portal's built assets (`web/dist/`) under `/ui/`: files with their media type, a
 * single-page-app fallback to `index.html` for paths that name no file (`/ui/catalog`), a
 * strict Content-Security-Policy (no inline script or style, nothing from other origins
 * but images), and a plain page saying how to build the portal when it is not built.
 * Hashed assets under `assets/` are cached for a year; everything else is revalidated.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { contentType } from 'mime-types';

/** Headers every page of the hub carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Canopy portal not built</title></head>
<body>
<h1>The Canopy portal is not built</h1>
<p>The hub serves the portal from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>.</p>
<p>Build it from the repository root with <code>npm run build --prefix web</code> (see <code>web/README.md</code>),
or start the hub with <code>--ui-dir</code> pointing at a built portal, then reload this page.</p>
<p>The hub's API works without the portal: <a href="/api/providers">/api/providers</a> lists the catalog
(send your bearer token).</p>
</body>
</html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface FoundFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

async function fileAt(path: string): Promise<FoundFile | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

export class StaticUi {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Serves `subpath` (what follows `/ui/`, still URL-encoded) for a GET or HEAD. */
  async serve(req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(subpath);
    } catch {
      return this.#plain(res, 400, 'bad path\n');
    }
    const target = resolve(this.dir, `.${sep}${relative}`);
    if (relative.includes('\0') || (target !== this.dir && !target.startsWith(this.dir + sep)))
      return this.#plain(res, 404, 'not found\n');
    const file = target === this.dir ? undefined : await fileAt(target);
    if (file) return this.#send(req, res, file, relative.startsWith('assets/'));
    // A path naming a file that is not there is a 404; any other is a page of the app.
    if (extname(relative) !== '') return this.#plain(res, 404, 'not found\n');
    const index = await fileAt(resolve(this.dir, 'index.html'));
    if (!index) {
      const body = NOT_BUILT(this.dir);
      res.writeHead(503, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    return this.#send(req, res, index, false);
  }

  #plain(res: ServerResponse, code: number, text: string): void {
    res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  }

  #send(req: IncomingMessage, res: ServerResponse, file: FoundFile, immutable: boolean): void {
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': contentType(extname(file.path)) || 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': file.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
