import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { errorMessage } from "../../shared/errors/index.js";
import { signerFromPem, signJwt, verifyJwt, type NkeySigner } from "../../shared/nats/index.js";
import { ROLE_OU, verifyCert } from "../../shared/pki/index.js";
import type { Informer } from "../../shared/projection/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { admitNode, type Admission } from "../core/node-admission.js";
import { certRenewalConnectionName, type BusPermissions } from "../../../schemas/bus-permissions.js";
import { Keyring } from "./keyring.js";

/*
 * The bus's auth callout (DESIGN §6): nats-server asks on `$SYS.REQ.USER.AUTH` about every
 * connection whose certificate maps to no static user — a worker node's. The answer is a user JWT
 * with exactly that node's permissions, valid until min(certificate expiry, 1 h), or a refusal;
 * both signed with the callout key (`<keysDir>/bus/callout.key`, whose nkey the server config names
 * as the issuer). A node removed (or whose role changed) afterwards has its live connections
 * closed (`kick.ts`): an admitted connection is otherwise not asked about again.
 */

export const AUTH_CALLOUT_SUBJECT = "$SYS.REQ.USER.AUTH";

export interface AuthCalloutDeps {
  nc: NatsConnection;
  log: Logger;
  /** Folds at least the cluster and node slices. */
  informer: Informer;
  now?: () => Date;
}

export interface AuthCallout {
  /** False on an insecure bus (no callout key). */
  serving: boolean;
  /** The role each node was last admitted with (a later change of role closes its connections). */
  admitted: Map<string, string>;
  stop(): Promise<void>;
}

/** The callout key's file in a keys dir: present only where the bus is secured. */
export function calloutKeyFile(keysDir: string): string {
  return join(keysDir, "bus", "callout.key");
}

interface AuthRequest {
  user_nkey: string;
  server_id: { id: string };
  client_tls?: { certs?: string[]; verified_chains?: string[][] };
  /** The client's CONNECT options: its connection name asks for a renewal-only login. */
  connect_opts?: { name?: string };
}

function natsPermissions(p: BusPermissions): Record<string, unknown> {
  // resp: one reply per request received (nats' allow_responses default), for the rpc a node serves.
  return {
    pub: p.publish, sub: p.subscribe, ...(p.allowResponses ? { resp: { max: 1, ttl: 0 } } : {}), subs: -1, data: -1, payload: -1, type: "user", version: 2,
  };
}

/** Serves the callout when the keys dir holds a callout key; otherwise (an insecure bus) does nothing. */
export function serveAuthCallout(deps: AuthCalloutDeps, keysDir: string | undefined, keyring = new Keyring(keysDir)): AuthCallout {
  const admitted = new Map<string, string>();
  if (!keysDir || !existsSync(calloutKeyFile(keysDir))) return { serving: false, admitted, stop: async () => {} };
  // Through the keyring: wrapped by the unlock key while autolock is on.
  const signer = signerFromPem(keyring.read("bus/callout.key")!.toString("utf8"));
  // Read at each request: a root rotation rewrites the bundle (both roots while it runs, then the new one).
  const caFile = join(keysDir, "ca.crt");
  const now = deps.now ?? (() => new Date());
  const sub = deps.nc.subscribe(AUTH_CALLOUT_SUBJECT, {
    queue: "secret-store",
    callback: (err, msg) => {
      if (err) return deps.log.warn("auth callout subscription failed", { err: errorMessage(err) });
      try {
        answer(msg, { signer, caPem: readFileSync(caFile, "utf8"), informer: deps.informer, now: now(), log: deps.log, admitted });
      } catch (e) {
        deps.log.warn("auth callout request not handled", { err: errorMessage(e) });
      }
    },
  });
  deps.log.info("auth callout serving", { issuer: signer.publicKey });
  return { serving: true, admitted, stop: async () => { sub.unsubscribe(); } };
}

function answer(msg: Msg, c: { signer: NkeySigner; caPem: string; informer: Informer; now: Date; log: Logger; admitted: Map<string, string> }): void {
  // Only a server's signed request is answered (anyone else publishing here gets nothing).
  const claims = verifyJwt(msg.string(), "server") as { nats?: AuthRequest };
  const req = claims.nats;
  if (!req?.user_nkey || !req.server_id?.id) throw new Error("authorization request without user_nkey or server_id");
  const decision = decide(req, c);
  const respond = (nats: Record<string, unknown>) => void msg.respond(signJwt(c.signer, {
    sub: req.user_nkey, aud: req.server_id.id, nats: { ...nats, type: "authorization_response", version: 2 },
  }, c.now));
  if (!decision.ok) {
    c.log.warn("bus connection refused", { reason: decision.reason });
    respond({ error: decision.reason });
    return;
  }
  // A renewal-only login is not what the kicker watches: it can do nothing a role change would revoke.
  if (!decision.renewalOnly) c.admitted.set(decision.nodeId, decision.role);
  else c.log.info("renewal-only bus login", { nodeId: decision.nodeId });
  const user = signJwt(c.signer, {
    sub: req.user_nkey, name: decision.nodeId, aud: "$G", exp: Math.floor(decision.expiresAt.getTime() / 1000),
    nats: natsPermissions(decision.permissions),
  }, c.now);
  respond({ jwt: user });
}

function decide(req: AuthRequest, c: { caPem: string; informer: Informer; now: Date }): Admission {
  // The server verified the chain; it is verified again here against the cluster CA itself.
  const pem = req.client_tls?.verified_chains?.[0]?.[0] ?? req.client_tls?.certs?.[0];
  if (!pem) return { ok: false, reason: "no client certificate" };
  let id;
  try {
    id = verifyCert(pem, [c.caPem], c.now);
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
  const state = c.informer.state;
  const node = state.nodes.get(id.commonName);
  return admitNode(
    {
      commonName: id.commonName, ou: id.ou, o: id.o, notAfter: id.notAfter,
      ...(req.connect_opts?.name === certRenewalConnectionName(id.commonName) ? { renewalOnly: true } : {}),
    },
    { clusterId: state.cluster?.id, roleOu: ROLE_OU, ...(node ? { node: { id: node.id, role: node.role } } : {}) },
    c.now,
  );
}
