/**
 * A server on 127.0.0.1 that accepts connections, reads what comes, and never
 * answers: a registry, git daemon or time-stamping authority that hangs.
 * Tests of deadlines and Cancel point Conclave at it.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface SilentServer {
  /** "127.0.0.1:PORT". */
  host: string;
  port: number;
  /** Connections accepted so far (a test waits for one before pressing Cancel). */
  readonly connections: number;
  /** Resolves once more than `count` connections have been accepted. */
  connectedBeyond(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    get connections() {
      return accepted;
    },
    connectedBeyond: (count) =>
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (accepted > count) {
            clearInterval(check);
            resolve();
          }
        }, 50);
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
