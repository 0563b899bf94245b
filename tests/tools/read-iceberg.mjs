// Reads an Iceberg table with icebird (a JavaScript Iceberg reader on hyparquet, independent of Dativo's
// .NET code) and prints its live rows as JSON. icebird reads over fetch(); file:// URLs (what our local tables
// record as locations) are served from disk here, with HEAD and Range support.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { icebergRead } from 'icebird';

const httpFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = String(input instanceof Request ? input.url : input);
  if (!url.startsWith('file:')) return httpFetch(input, init);
  const path = fileURLToPath(url);
  let info;
  try { info = await stat(path); } catch { return new Response(null, { status: 404 }); }
  const headers = new Headers(init.headers ?? {});
  if ((init.method ?? 'GET') === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(info.size) } });
  const bytes = await readFile(path);
  const range = headers.get('range');
  if (range) {
    const m = /bytes=(\d+)-(\d*)/.exec(range);
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
    return new Response(bytes.subarray(start, end + 1), { status: 206, headers: { 'content-length': String(end - start + 1) } });
  }
  return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
};

const tableUrl = pathToFileURL(process.argv[2]).href.replace(/\/$/, '');
const rows = await icebergRead({ tableUrl });
const replacer = (k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v);
process.stdout.write(JSON.stringify(rows, replacer));
