import { z } from "zod";
import type { Slice, SliceEvent } from "./slice.js";
import { unreachable } from "./slice.js";

/*
 * The secret and config slices: metadata of every secret and config not removed, with each
 * payload version's size and HMAC (never a payload: the secret-store keeps those, encrypted).
 */

export interface PayloadVersionView { version: number; size: number; hmac: string; createdAt: string }

export interface SecretView {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Every payload version, oldest first; the last is the current one. */
  versions: PayloadVersionView[];
  createdAt: string;
  updatedAt: string;
}
/** A config has the same metadata (its payload is readable through the secret-store for inspect). */
export type ConfigView = SecretView;

export interface SecretPart { secrets: Map<string, SecretView> }
export interface ConfigPart { configs: Map<string, ConfigView> }

/** The current (latest) payload version of a secret or config. */
export function currentVersion(v: SecretView): number {
  return v.versions[v.versions.length - 1]?.version ?? 1;
}

const ViewCodec = z.looseObject({
  id: z.string(), name: z.string(), labels: z.record(z.string(), z.string()),
  versions: z.array(z.looseObject({ version: z.number(), size: z.number(), hmac: z.string(), createdAt: z.string() })),
  createdAt: z.string(), updatedAt: z.string(),
});

type Created = { name: string; labels: Record<string, string>; version: number; size: number; hmac: string };
type Rotated = { version: number; size: number; hmac: string };

function created(map: Map<string, SecretView>, id: string, d: Created, at: string): void {
  map.set(id, {
    id, name: d.name, labels: d.labels, versions: [{ version: d.version, size: d.size, hmac: d.hmac, createdAt: at }],
    createdAt: at, updatedAt: at,
  });
}

function rotated(map: Map<string, SecretView>, id: string, d: Rotated, at: string): void {
  const v = map.get(id);
  if (v) map.set(id, { ...v, versions: [...v.versions, { version: d.version, size: d.size, hmac: d.hmac, createdAt: at }], updatedAt: at });
}

export const secretSlice: Slice<"secret", SecretPart> = {
  kind: "secret",
  init: () => ({ secrets: new Map() }),
  apply(state, e: SliceEvent<"secret">) {
    switch (e.type) {
      case "SecretCreated": created(state.secrets, e.data.secretId, e.data, e.at); return;
      case "SecretRotated": rotated(state.secrets, e.data.secretId, e.data, e.at); return;
      case "SecretRemoved": state.secrets.delete(e.data.secretId); return;
      default: unreachable(e);
    }
  },
  codec: z.object({ secrets: z.array(ViewCodec) }),
  encode: (s) => ({ secrets: [...s.secrets.values()] }),
  decode: (d) => ({ secrets: new Map((d.secrets as SecretView[]).map((v) => [v.id, v])) }),
};

export const configSlice: Slice<"config", ConfigPart> = {
  kind: "config",
  init: () => ({ configs: new Map() }),
  apply(state, e: SliceEvent<"config">) {
    switch (e.type) {
      case "ConfigCreated": created(state.configs, e.data.configId, e.data, e.at); return;
      case "ConfigRotated": rotated(state.configs, e.data.configId, e.data, e.at); return;
      case "ConfigRemoved": state.configs.delete(e.data.configId); return;
      default: unreachable(e);
    }
  },
  codec: z.object({ configs: z.array(ViewCodec) }),
  encode: (s) => ({ configs: [...s.configs.values()] }),
  decode: (d) => ({ configs: new Map((d.configs as ConfigView[]).map((v) => [v.id, v])) }),
};
