/**
 * A plain-HTTP proxy in front of a real registry, on any address of this
 * machine, that drops the connection of the requests a test names, as a
 * registry does when it goes away in the middle of a push. Everything else
 * is passed through unchanged (the Host header too, so the registry's upload
 * locations name the proxy).
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  host: string;
  /** Requests cut so far, as "METHOD path". */
  cut: string[];
  /** Which requests to cut from now on; undefined passes everything. */
  setCut(predicate: ((method: string, path: string) => boolean) | undefined): void;
  /** Requests held without an answer so far, as "METHOD path". */
  stalled: string[];
  /** Which requests to hold for ever (a registry that stops answering in the middle of a push); undefined passes everything. */
  setStall(predicate: ((method: string, path: string) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number, listenHost = '127.0.0.1'): Promise<CuttingProxy> {
  let predicate: ((method: string, path: string) => boolean) | undefined;
  let stallPredicate: ((method: string, path: string) => boolean) | undefined;
  const cut: string[] = [];
  const stalled: string[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing) => {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    if (predicate?.(method, path)) {
      cut.push(`${method} ${path}`);
      incoming.socket.destroy();
      return;
    }
    if (stallPredicate?.(method, path)) {
      stalled.push(`${method} ${path}`);
      incoming.resume();
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: targetPort, method, path, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `${listenHost}:${port}`,
    cut,
    setCut: (next) => (predicate = next),
    stalled,
    setStall: (next) => (stallPredicate = next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
