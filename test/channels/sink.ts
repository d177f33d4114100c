import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelError } from 'incidentkit';
import { afterEach, expect } from 'vitest';

/** One request the sink received. */
export interface SinkRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the sink answers one request: a status, headers and a body; `hang` never answers. */
export interface SinkReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers from a script: each
 * request takes the next reply of `replies` (the last one repeats; default 200 "ok").
 */
export interface Sink {
  url: string;
  requests: SinkRequest[];
  /** Replaces the script of replies. */
  reply(...replies: SinkReply[]): void;
  close(): Promise<void>;
}

export async function startSink(...replies: SinkReply[]): Promise<Sink> {
  let script: SinkReply[] = replies.length > 0 ? replies : [{ status: 200, body: 'ok' }];
  let served = 0;
  const requests: SinkRequest[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = script[Math.min(served, script.length - 1)] ?? {};
      served++;
      if (reply.hang) {
        const end = () => res.destroy();
        hanging.add(end);
        res.on('close', () => hanging.delete(end));
        return;
      }
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(...next) {
      script = next;
      served = 0;
    },
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `sink(...replies)` of a test file: every sink a test starts is closed after it. */
export function sinksPerTest(): (...replies: SinkReply[]) => Promise<Sink> {
  const open: Sink[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sink) => sink.close()));
  });
  return async (...replies) => {
    const started = await startSink(...replies);
    open.push(started);
    return started;
  };
}

/** The ChannelError `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(ChannelError.isInstance(error)).toBe(true);
  return error as ChannelError;
}
