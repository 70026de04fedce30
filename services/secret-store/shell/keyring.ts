import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { invalidArgument, SwarmError, unavailable } from "../../shared/errors/index.js";
import { isWrapped, unwrapKey, wrapKey, writeKeyFile } from "../../shared/pki/index.js";

/*
 * The keys this manager keeps at rest (DESIGN §6, autolock): the secret-store's KEK, the cluster
 * CA's key and the auth callout's signing key, in `<keysDir>`. With autolock on they are stored
 * wrapped by the unlock key (shared/pki key-wrap); the unlock key lives only in this process's
 * memory, brought by `swarm unlock` over rpc (never an environment variable, argv or a file).
 * Until then the keyring is locked and every read of a key throws the locked error: nothing is
 * signed, no secret is served, no node is admitted. Plaintexts are kept in memory once read, so a
 * rewrap never reads a file another instance has just rewrapped under a key this one lacks.
 */

/** The wrapped files, by their path under the keys dir (also the AAD each is wrapped under). */
export const WRAPPED_KEY_FILES = ["kek", "ca.key", "bus/callout.key"] as const;
export type KeyFile = (typeof WRAPPED_KEY_FILES)[number];

/** Swarm's words for a locked manager (moby's errSwarmLocked, with jetswarm's command). */
export const SWARM_LOCKED = "Swarm is encrypted and needs to be unlocked before it can be used. Please use \"swarm unlock\" to unlock it.";
/** Swarm's words for a wrong unlock key. */
export const INVALID_UNLOCK_KEY = "swarm could not be unlocked: invalid key";

export class Keyring {
  /** Plaintext by file, with the file's bytes it was read from: a file rewritten since (a CA rotation, a sibling's rekey) is read again. */
  private readonly plain = new Map<KeyFile, { raw: Buffer; plaintext: Buffer }>();
  private unlockKey: Buffer | undefined;
  private wrappedOnDisk: boolean;

  constructor(readonly keysDir: string | undefined) {
    this.wrappedOnDisk = WRAPPED_KEY_FILES.some((f) => {
      const raw = this.raw(f);
      return raw !== undefined && isWrapped(raw);
    });
  }

  /** Autolock is on here (the files are wrapped) and no unlock key has been given yet. */
  get locked(): boolean {
    return this.wrappedOnDisk && !this.unlockKey;
  }

  get autolocked(): boolean {
    return this.wrappedOnDisk;
  }

  /** The current unlock key (in memory only), when autolock is on and this keyring is unlocked. */
  currentUnlockKey(): Buffer | undefined {
    return this.unlockKey;
  }

  path(f: KeyFile): string {
    if (!this.keysDir) throw unavailable("the secret-store has no keys directory (SWARM_KEYS_DIR)");
    return join(this.keysDir, f);
  }

  private raw(f: KeyFile): Buffer | undefined {
    if (!this.keysDir) return undefined;
    const p = join(this.keysDir, f);
    return existsSync(p) ? readFileSync(p) : undefined;
  }

  /** The plaintext of a key file, or undefined when there is none; throws SWARM_LOCKED while locked. */
  read(f: KeyFile): Buffer | undefined {
    const raw = this.raw(f);
    const cached = this.plain.get(f);
    if (raw === undefined) return cached?.plaintext;
    if (cached && cached.raw.equals(raw)) return cached.plaintext;
    if (!isWrapped(raw)) {
      this.plain.set(f, { raw, plaintext: raw });
      return raw;
    }
    if (!this.unlockKey) throw new SwarmError("unavailable", SWARM_LOCKED);
    let opened: Buffer;
    try {
      opened = unwrapKey(this.unlockKey, raw, f);
    } catch (err) {
      // A sibling of this keys dir rewrapped the file under a rotated unlock key before this
      // instance heard of it (its own rekey is on the way): the key inside is the one held.
      if (cached) return cached.plaintext;
      throw err;
    }
    this.plain.set(f, { raw, plaintext: opened });
    return opened;
  }

  /** A key this process made (the first KEK): kept, and wrapped on disk if autolock is on. */
  remember(f: KeyFile, plaintext: Buffer): void {
    if (this.unlockKey && !isWrapped(this.raw(f) ?? Buffer.alloc(0))) writeKeyFile(this.path(f), wrapKey(this.unlockKey, plaintext, f));
    this.plain.set(f, { raw: this.raw(f) ?? Buffer.alloc(0), plaintext });
  }

  /**
   * Replaces a key file (a CA rotation's new root key): wrapped by the unlock key while autolock is
   * on, a 0600 plaintext file otherwise; atomically (writeKeyFile). Refused while locked.
   */
  write(f: KeyFile, plaintext: Buffer): void {
    if (this.locked) throw new SwarmError("unavailable", SWARM_LOCKED);
    writeKeyFile(this.path(f), this.unlockKey ? wrapKey(this.unlockKey, plaintext, f) : plaintext);
    this.plain.set(f, { raw: this.raw(f) ?? Buffer.alloc(0), plaintext });
  }

  /** Opens every wrapped file with `key` (all or nothing); INVALID_UNLOCK_KEY when one does not open. */
  unlock(key: Buffer): void {
    const opened = new Map<KeyFile, Buffer>();
    for (const f of WRAPPED_KEY_FILES) {
      const raw = this.raw(f);
      if (raw === undefined) continue;
      try {
        opened.set(f, isWrapped(raw) ? unwrapKey(key, raw, f) : raw);
      } catch {
        throw invalidArgument(INVALID_UNLOCK_KEY);
      }
    }
    for (const [f, p] of opened) this.plain.set(f, { raw: this.raw(f) ?? Buffer.alloc(0), plaintext: p });
    this.unlockKey = Buffer.from(key);
  }

  /**
   * Autolock on with `key` (wrap, or rewrap under a rotated key), or off (`undefined`: 0600
   * plaintext files). Each file is replaced atomically (writeKeyFile: temp file then rename).
   */
  rekey(key: Buffer | undefined): KeyFile[] {
    if (this.locked) throw new SwarmError("unavailable", SWARM_LOCKED);
    const done: KeyFile[] = [];
    for (const f of WRAPPED_KEY_FILES) {
      const plaintext = this.read(f);
      if (plaintext === undefined) continue;
      writeKeyFile(this.path(f), key ? wrapKey(key, plaintext, f) : plaintext);
      this.plain.set(f, { raw: this.raw(f) ?? Buffer.alloc(0), plaintext });
      done.push(f);
    }
    this.unlockKey = key ? Buffer.from(key) : undefined;
    this.wrappedOnDisk = key !== undefined && done.length > 0;
    return done;
  }
}
