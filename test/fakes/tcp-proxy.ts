// A TCP proxy in front of a real service, which a test can cut (every connection dropped, new ones
// refused) and restore — to simulate a network outage to PostgreSQL without stopping the shared server.
import type { Socket, TCPSocketListener } from "bun";

export interface TcpProxy {
  port: number;
  cut(): void;
  restore(): void;
  stop(): void;
}

export function startTcpProxy(targetHost: string, targetPort: number): TcpProxy {
  type Side = { peer?: Socket<Side>; pending: Uint8Array[] };
  const open = new Set<Socket<Side>>();
  // While cut, the listener stays (stopping it and listening again on the same port left the old
  // socket half-alive, and some connects hung) but every connection is dropped at once.
  let down = false;
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        async open(client) {
          client.data = { pending: [] };
          if (down) return void client.terminate();
          open.add(client);
          const upstream = await Bun.connect<Side>({
            hostname: targetHost,
            port: targetPort,
            socket: {
              open(s) {
                s.data = { peer: client, pending: [] };
                open.add(s);
              },
              data(s, chunk) {
                s.data.peer?.write(chunk);
              },
              close(s) {
                open.delete(s);
                s.data.peer?.end();
              },
              error(s) {
                s.data.peer?.end();
              },
            },
          }).catch(() => null);
          if (!upstream) return void client.end();
          client.data.peer = upstream;
          for (const c of client.data.pending) upstream.write(c);
          client.data.pending = [];
        },
        data(client, chunk) {
          if (client.data.peer) client.data.peer.write(chunk);
          else client.data.pending.push(new Uint8Array(chunk));
        },
        close(client) {
          open.delete(client);
          client.data.peer?.end();
        },
        error(client) {
          client.data.peer?.end();
        },
      },
    });
  return {
    port: listener.port,
    cut() {
      down = true;
      for (const s of open) s.terminate();
      open.clear();
    },
    restore() {
      down = false;
    },
    stop() {
      this.cut();
      listener.stop(true);
    },
  };
}
