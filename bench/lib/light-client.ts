// The simulated pilots' client: the three pilot-protocol calls over node:http with keep-alive,
// and nothing else (no timeouts, retries or error mapping). The issue allows "a light client" for
// scenario 3: the less CPU the simulated pilots take, the more of the two cores the server gets.
// Real pilots use the P3sClient (node:http too since the second performance round).

import { Agent, request } from 'node:http';
import { ROUTES, routePath } from '../../src/protocol/routes.ts';
import type {
  ClaimReply,
  FinishJobBody,
  FinishJobReply,
  HeartbeatBody,
} from '../../src/protocol/schemas/pilots.ts';

/** What the simulated pilots call; the P3sClient has the same three methods. */
export interface PilotCalls {
  claim(uuid: string, wait: number, beat: number): Promise<ClaimReply>;
  finishJob(id: number, body: FinishJobBody): Promise<FinishJobReply>;
  heartbeat(id: number, body: HeartbeatBody): Promise<{ command: string | null }>;
}

export class LightClient implements PilotCalls {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  private readonly url: URL;

  constructor(
    server: string,
    private readonly token: string,
  ) {
    this.url = new URL(server);
    if (this.url.protocol !== 'http:')
      throw new Error(`the light client speaks plain http only, not ${server}`);
  }

  claim(uuid: string, wait: number, beat: number): Promise<ClaimReply> {
    return this.post(routePath(ROUTES.pilotClaim, { id: uuid }), { wait, beat });
  }
  finishJob(id: number, body: FinishJobBody): Promise<FinishJobReply> {
    return this.post(routePath(ROUTES.jobFinish, { id }), body);
  }
  heartbeat(id: number, body: HeartbeatBody): Promise<{ command: string | null }> {
    return this.post(routePath(ROUTES.jobHeartbeat, { id }), body);
  }

  close(): void {
    this.agent.destroy();
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path,
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`POST ${path}: HTTP ${res.statusCode}: ${text}`));
            else resolve(JSON.parse(text) as T);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
