// The client's HTTP exchange: node:http/https over a keep-alive agent of its own, lighter than
// fetch (docs/performance.md has the figures), and a CA file is simply the agent's `ca`. Idle keep-alive sockets are unref'd by Node, so a CLI
// process still exits when its work is done.

import type { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

// Required, not imported: on Node 22 and 24 an ES import of node:http builds its module facade,
// which loads undici (~80 ms for every CLI command). node:https (TLS) only for an https server.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof import('node:http');

export interface RawResponse {
  status: number;
  text: string;
  headers: IncomingMessage['headers'];
}

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

/** Sends requests to one origin; rejects with the socket's own error (code ECONNREFUSED, a TLS code, AbortError). */
export class Transport {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(secure: boolean, ca?: string) {
    const https = secure ? (require('node:https') as typeof import('node:https')) : undefined;
    this.agent = https ? new https.Agent({ keepAlive: true, ca }) : new http.Agent({ keepAlive: true });
    this.send = https ? https.request : http.request;
  }

  exchange(url: URL, { method, headers, body, signal }: Exchange): Promise<RawResponse> {
    const sized =
      body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const req = this.send(url, { method, headers: sized, agent: this.agent, signal }, (res) =>
        readAll(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Closes the idle sockets (open ones close when their exchange ends). */
  close(): void {
    this.agent.destroy();
  }
}

function readAll(res: IncomingMessage): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(Object.assign(new Error('the reply was cut off'), { code: 'ECONNRESET' }));
    });
  });
}
