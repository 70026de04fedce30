import { z } from "zod";
import type { Slice, SliceEvent } from "./slice.js";
import { unreachable } from "./slice.js";

/*
 * The api-token slice: every bearer token not removed, with the SHA-256 of its secret (never the
 * token itself: it is shown once, at create, and kept by its user).
 */

export interface ApiTokenView { id: string; name: string; hash: string; createdAt: string }

export interface ApiTokenPart { apiTokens: Map<string, ApiTokenView> }

const ViewCodec = z.looseObject({ id: z.string(), name: z.string(), hash: z.string(), createdAt: z.string() });

export const apiTokenSlice: Slice<"apitoken", ApiTokenPart> = {
  kind: "apitoken",
  init: () => ({ apiTokens: new Map() }),
  apply(state, e: SliceEvent<"apitoken">) {
    switch (e.type) {
      case "ApiTokenCreated":
        state.apiTokens.set(e.data.tokenId, { id: e.data.tokenId, name: e.data.name, hash: e.data.hash, createdAt: e.at });
        return;
      case "ApiTokenRemoved": state.apiTokens.delete(e.data.tokenId); return;
      default: unreachable(e);
    }
  },
  codec: z.object({ apiTokens: z.array(ViewCodec) }),
  encode: (s) => ({ apiTokens: [...s.apiTokens.values()] }),
  decode: (d) => ({ apiTokens: new Map((d.apiTokens as ApiTokenView[]).map((v) => [v.id, v])) }),
};
