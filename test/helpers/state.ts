import type { ClusterState } from "../../services/shared/model/index.js";

/**
 * A ClusterState as plain, comparable data: Maps and Sets as entry arrays in iteration order
 * (order is part of the state: planners iterate the Maps), keys whose value is undefined dropped
 * (`{ err: undefined }` and `{}` are the same task). Independent of the snapshot codec, so a
 * lossy codec shows up as a difference.
 */
export function canonicalState(s: ClusterState): unknown {
  const plain = (v: unknown): unknown => {
    if (v instanceof Map) return [...v].map(([k, x]) => [k, plain(x)]);
    if (v instanceof Set) return [...v].map(plain);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = plain(x);
      }
      return out;
    }
    return v;
  };
  return plain(s);
}
