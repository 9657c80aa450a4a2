import { request } from 'node:http';
import { HOST, WAIT_MS } from './line-client';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1, bounded, its whole answer read. */
export function httpGet(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: HOST, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`${options.method ?? 'GET'} ${path} timed out`)));
    req.end();
  });
}

/** The `rxchat_*` series of a Prometheus text page, by name and labels as written (`rxchat_clients{transport="tcp"}`). */
export function parseSeries(text: string, prefix = 'rxchat_'): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** What moved between two scrapes: every series whose value changed, by how much. */
export function seriesDelta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const change = value - (before.get(key) ?? 0);
    if (change !== 0) delta[key] = change;
  }
  for (const key of before.keys()) if (!after.has(key)) delta[key] = -before.get(key)!;
  return delta;
}
