// The client's HTTP exchange: node:http/https over a keep-alive agent of its own, lighter than
// fetch (docs/performance.md has the figures), and a CA file is simply the agent's `ca`. Idle keep-alive sockets are unref'd by Node, so a CLI
// process still exits when its work is done.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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
    this.agent = secure ? new HttpsAgent({ keepAlive: true, ca }) : new HttpAgent({ keepAlive: true });
    this.send = secure ? httpsRequest : httpRequest;
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
