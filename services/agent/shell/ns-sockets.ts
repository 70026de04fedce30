import { spawn } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";

/*
 * Listening sockets in the node's network namespace. A socket belongs to the namespace it was
 * created in, for its whole life; Node cannot enter another namespace itself, so when the node's
 * namespace is not this process's (`netns` given: the agent drives a namespace it does not run
 * in, as the overlay's `Exec` does), a short-lived child started there with nsenter opens the
 * socket and hands it over the IPC channel (Node passes dgram sockets and servers as handles).
 * Without that, the DNS server bound in the agent's own namespace while the bridges it serves
 * lived in the node's: it never answered (or answered on an equal address of the wrong namespace).
 */

/** Opens listening sockets (UDP socket, TCP server) on `address:port` of one network namespace. */
export interface SocketOpener {
  udp(address: string, port: number): Promise<dgram.Socket>;
  tcp(address: string, port: number): Promise<net.Server>;
}

/** This process's namespace. */
export const localSockets: SocketOpener = {
  udp: (address, port) => new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: "udp4" });
    sock.once("error", (err) => { sock.close(); reject(err); });
    sock.bind({ address, port, exclusive: true }, () => { sock.removeAllListeners("error"); resolve(sock); });
  }),
  tcp: (address, port) => new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen({ host: address, port }, () => { srv.removeAllListeners("error"); resolve(srv); });
  }),
};

/** The child's code (`node -e OPENER <udp|tcp> <address> <port>`): open, send the handle, exit. */
const OPENER = `
const [kind, address, port] = process.argv.slice(1);
const fail = (e) => process.send({ error: e.message }, () => process.exit(1));
const done = (h) => process.send({ ok: true }, h, () => process.exit(0));
if (kind === "udp") {
  const s = require("node:dgram").createSocket({ type: "udp4" });
  s.once("error", fail);
  s.bind({ address, port: Number(port), exclusive: true }, () => done(s));
} else {
  const s = require("node:net").createServer();
  s.once("error", fail);
  s.listen({ host: address, port: Number(port) }, () => done(s));
}
`;

/** The namespace at `path` (`/var/run/netns/<name>`, `/proc/<pid>/ns/net`): sockets opened there by a child. */
export function netnsSockets(path: string): SocketOpener {
  const open = <T>(kind: "udp" | "tcp", address: string, port: number): Promise<T> => new Promise((resolve, reject) => {
    const child = spawn("nsenter", [`--net=${path}`, process.execPath, "-e", OPENER, kind, address, String(port)], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    let settled = false;
    child.stderr?.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("message", (m: { ok?: boolean; error?: string }, handle: unknown) => {
      settled = true;
      if (m.ok && handle) resolve(handle as T);
      else reject(new Error(`${kind} ${address}:${port} in ${path}: ${m.error ?? "no socket handed over"}`));
    });
    child.on("error", (err) => { if (!settled) { settled = true; reject(err); } });
    // "close" (not "exit"): the channel's last message, the reason of a failure, is read first.
    child.on("close", (code) => {
      if (!settled) { settled = true; reject(new Error(`${kind} ${address}:${port} in ${path}: opener exited ${code}: ${stderr.trim()}`)); }
    });
  });
  return { udp: (a, p) => open<dgram.Socket>("udp", a, p), tcp: (a, p) => open<net.Server>("tcp", a, p) };
}
