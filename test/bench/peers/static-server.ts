/**
 * The peer for a prerendered page: bare node:http answering one file from memory, no
 * logging. Given BENCH_HEADERS (a flat list of names and values), it sends those headers
 * too: what node:http alone costs for the headers the portal sends.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.env.BENCH_FILE ?? '');
const extra = JSON.parse(process.env.BENCH_HEADERS ?? '[]') as string[];
createServer((_req, res) => {
  if (extra.length === 0) res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
  else res.writeHead(200, [...extra, 'Content-Length', String(body.length)]);
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('static peer listening'));
