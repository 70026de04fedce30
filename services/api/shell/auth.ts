import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ClusterState } from "../../shared/model/index.js";
import { ROLE_OU } from "../../shared/pki/index.js";
import { checkApiToken } from "../app/index.js";
import { HttpError, type Authenticate } from "./http.js";

/*
 * Who a request comes from (DESIGN §6, issue #15), one rule per kind of listener:
 * - the unix socket: `local` (the file's mode and group decide who may connect, as docker.sock);
 * - HTTPS: a client certificate from the cluster CA (`cert:<CN>`) or a bearer token whose hash is
 *   in the log (`token:<name>`); anything else is a 401 that names what is missing or wrong;
 * - plain HTTP (development, loopback only): a bearer token if one is presented, else no identity.
 */

const MISSING = "authentication required: present a client certificate issued by the cluster's CA " +
  "(--tlscert/--tlskey, SWARM_CERT_PATH or DOCKER_CERT_PATH: `swarm ca client-bundle`) or a bearer token (SWARM_TOKEN, `swarm token create`)";

/** Node's verification codes in words. */
const CERT_WORDS: Record<string, string> = {
  CERT_HAS_EXPIRED: "it has expired",
  CERT_NOT_YET_VALID: "it is not valid yet",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "it is not issued by the cluster's CA",
  UNABLE_TO_GET_ISSUER_CERT: "it is not issued by the cluster's CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "it is not issued by the cluster's CA",
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed, not issued by the cluster's CA",
  SELF_SIGNED_CERT_IN_CHAIN: "it is not issued by the cluster's CA",
  CERT_SIGNATURE_FAILURE: "its signature does not verify against the cluster's CA",
  CERT_REVOKED: "it has been revoked",
};

export const socketAuth: Authenticate = () => "local";

/** The token of `Authorization: Bearer <token>`; undefined without the header. */
function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer +(\S+) *$/i.exec(h);
  if (!m) throw new HttpError(401, "the Authorization header must be `Bearer <token>`");
  return m[1]!;
}

function tokenIdentity(state: () => ClusterState, token: string): string {
  const r = checkApiToken(state(), token);
  if ("refused" in r) throw new HttpError(401, `bearer token refused: ${r.refused}`);
  return `token:${r.name}`;
}

const WORKER_REFUSED = "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. " +
  "Please run this command on a manager node or promote the current node to a manager.";

/** `cert:<CN>` for a verified client certificate; a 401 for one that is not; undefined for none. */
function certIdentity(req: IncomingMessage): string | undefined {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const cn = cert.subject?.CN;
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? "unknown");
    throw new HttpError(401, `client certificate${cn ? ` "${cn}"` : ""} refused: ${CERT_WORDS[code] ?? code.toLowerCase().replace(/_/g, " ")}`);
  }
  if (!cn) throw new HttpError(401, "client certificate refused: it has no common name (CN) to act as");
  // A worker's node certificate is the cluster CA's too, but a worker may not manage the cluster (Docker's refusal).
  if (cert.subject?.OU === ROLE_OU.worker) throw new HttpError(403, WORKER_REFUSED);
  return `cert:${cn}`;
}

/** HTTPS: a certificate, else a token, else a 401. */
export function tlsAuth(state: () => ClusterState): Authenticate {
  return (req) => {
    const cert = certIdentity(req);
    if (cert) return cert;
    const token = bearer(req);
    if (token === undefined) throw new HttpError(401, MISSING);
    return tokenIdentity(state, token);
  };
}

/** Plain HTTP on loopback (development): a presented token is checked; without one, no identity. */
export function insecureAuth(state: () => ClusterState): Authenticate {
  return (req) => {
    const token = bearer(req);
    return token === undefined ? undefined : tokenIdentity(state, token);
  };
}
