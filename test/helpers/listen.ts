import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type express from "express";

/** Serve `app` on a free loopback port (port 0: no fixed ports in tests); its base URL. */
export async function listenOnLoopback(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
