import { joinTokenHash, RotateCaRpc, subjects, type NodeRole } from "../../../schemas/index.js";
import { errorMessage, failedPrecondition, invalidArgument } from "../../shared/errors/index.js";
import { caRotationDone, caRotationProgress, plan, versionOf, type ClusterState } from "../../shared/model/index.js";
import { caDigest, checkRootCa, createRootCa, crossSignRoot, deriveJoinToken, type CertAndKey } from "../../shared/pki/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { serve } from "../../shared/rpc/index.js";
import { finishRotation, installRotation, readCa } from "./ca-files.js";
import { Keyring } from "./keyring.js";
import type { CaContext } from "./ca.js";
import type { Vault } from "./vault.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";

/*
 * Root CA rotation (`swarm ca --rotate`; swarmkit's controlapi/ca_rotation.go). The api asks for a
 * new root (`rotate-ca`) and records `ClusterCaRotationStarted`; from then on every instance, on a
 * timer, drives its own manager's keys dir and the nodes from its projection:
 *   1. installs the new root (its key from the vault) beside the old one, with the cross-signed
 *      intermediate: the signer uses the new root, the bundle trusts both (the launcher reissues the
 *      bus's certificates and reloads nats-server when `ca.crt` changes);
 *   2. every node learns the root that signs from its dispatcher (the registration reply's
 *      certificate wish, refreshed every 20 s) and renews onto it (`node-certs.ts`; recorded as
 *      `NodeCertificateIssued` with the root's digest);
 *   3. when every node has moved, appends `ClusterCaRotationCompleted` with the new root's join
 *      token hashes (expecting the cluster's version: of racing instances one wins);
 *   4. after completion, trusts only the new root here (nodes keep the old root in their own
 *      `ca.crt` until their next renewal: they present certificates of the new root already).
 */

/** How often an instance looks at a rotation (and tells the nodes it waits for). Default 2 s. */
const TICK_MS = 2_000;

export interface CaRotationOptions {
  /** Period of the rotation pass, ms. Default 2 000. */
  tickMs?: number;
}

/** A rotation needs the vault (the roots' keys) and the event store (the completion). */
export type RotationContext = CaContext & { vault: Pick<Vault, "getCaKey" | "putCaKey">; deps: NonNullable<CaContext["deps"]> };

export function serveCaRotation(
  ctx: RotationContext, keysDir: string | undefined, opts: CaRotationOptions = {}, keyring: Keyring = new Keyring(keysDir),
): { stop(): Promise<void> } {
  try {
    readCa(keysDir, keyring);
  } catch {
    return { stop: async () => {} }; // no CA here: nothing to sign, nothing to install
  }
  const rpc = { queue: SECRET_STORE_QUEUE, log: ctx.log };
  const rotate = serve(ctx.nc, subjects.secretStoreRotateCa, RotateCaRpc, (req) => newRoot(ctx, keysDir, req, keyring), rpc);
  const driver = new RotationDriver(ctx, keysDir!, keyring);
  const timer = setInterval(() => void driver.pass(), opts.tickMs ?? TICK_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await driver.idle();
      await rotate.stop();
    },
  };
}

/** A new root (generated, or the user's, checked) cross-signed by the current one; both keys kept in the vault. */
async function newRoot(ctx: RotationContext, keysDir: string | undefined, req: { caCert?: string | undefined; caKey?: string | undefined }, keyring: Keyring) {
  const cluster = ctx.informer.state.cluster;
  if (!cluster) throw failedPrecondition("no cluster: nothing to rotate");
  if (cluster.caRotation) throw failedPrecondition("a root CA rotation is already in progress: wait for it to complete");
  if ((req.caCert === undefined) !== (req.caKey === undefined)) throw invalidArgument(`${req.caCert === undefined ? "caCert" : "caKey"}: required with ${req.caCert === undefined ? "caKey" : "caCert"}`);
  const current = readCa(keysDir, keyring);
  let next: CertAndKey;
  if (req.caCert !== undefined && req.caKey !== undefined) {
    next = { certPem: req.caCert, keyPem: req.caKey };
    await checkRootCa(next);
  } else {
    next = await createRootCa();
  }
  const digest = caDigest(next.certPem);
  if (digest === current.digest) throw invalidArgument("caCert: it is the cluster's current root CA");
  const crossSigned = await crossSignRoot(current.signing, next.certPem);
  await ctx.vault.putCaKey(current.digest, current.signing.keyPem);
  await ctx.vault.putCaKey(digest, next.keyPem);
  ctx.log.info("new root CA made", { root: digest.slice(0, 12), previous: current.digest.slice(0, 12) });
  return { caCert: next.certPem, caDigest: digest, crossSigned };
}

class RotationDriver {
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(private readonly ctx: RotationContext, private readonly keysDir: string, private readonly keyring: Keyring) {}

  pass(): Promise<void> {
    if (this.busy) return this.running;
    this.busy = true;
    this.running = this.step().catch((err: unknown) => {
      this.ctx.log.warn("CA rotation pass failed (retried)", { err: errorMessage(err) });
    }).finally(() => { this.busy = false; });
    return this.running;
  }

  idle(): Promise<void> {
    return this.running;
  }

  private async step(): Promise<void> {
    const state = this.ctx.informer.state;
    const cluster = state.cluster;
    if (!cluster?.caDigest) return;
    const rotation = cluster.caRotation;
    if (!rotation) {
      // Completed (here or by another instance): only the new root is trusted.
      if (readCa(this.keysDir, this.keyring).digest === cluster.caDigest && finishRotation(this.keysDir, this.keyring)) {
        this.ctx.log.info("root CA rotation finished here: the old root is no longer trusted", { root: cluster.caDigest.slice(0, 12) });
      }
      return;
    }
    if (readCa(this.keysDir, this.keyring).digest !== rotation.caDigest) {
      const keyPem = await this.ctx.vault.getCaKey(rotation.caDigest);
      if (!keyPem) throw new Error(`the new root's key ${rotation.caDigest.slice(0, 12)}… is not in the vault`);
      installRotation(this.keysDir, { certPem: rotation.caCert, keyPem }, rotation.crossSigned, this.keyring);
      this.ctx.log.info("new root CA installed beside the old one", { root: rotation.caDigest.slice(0, 12) });
    }
    const progress = caRotationProgress(state)!;
    if (caRotationDone(progress)) await this.complete(rotation.caDigest);
  }

  private async complete(digest: string): Promise<void> {
    const next = readCa(this.keysDir, this.keyring).signing;
    const now = this.ctx.deps.now ?? (() => new Date());
    const hash = (s: ClusterState, role: NodeRole) => joinTokenHash(deriveJoinToken(next, role, s.cluster!.joinTokens[role].generation));
    await decideAndCommit(this.ctx.deps.store, this.ctx.informer, (s) => {
      const p = caRotationProgress(s);
      if (!p || p.caDigest !== digest || !caRotationDone(p)) return [];
      const data = { caDigest: digest, workerTokenHash: hash(s, "worker"), managerTokenHash: hash(s, "manager") };
      return [plan("ClusterCaRotationCompleted", "cluster", "default", data, versionOf(s, subjects.event("cluster", "default")), `ca-rotation-completed:${digest}`)];
    }, () => ({ actor: { kind: "service", id: this.ctx.deps.instanceId }, now: now() }));
    this.ctx.log.info("root CA rotation completed", { root: digest.slice(0, 12) });
  }
}
