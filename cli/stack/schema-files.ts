import type { AnySchema } from "ajv";
import v3_0 from "./schema/config_schema_v3.0.json" with { type: "json" };
import v3_1 from "./schema/config_schema_v3.1.json" with { type: "json" };
import v3_2 from "./schema/config_schema_v3.2.json" with { type: "json" };
import v3_3 from "./schema/config_schema_v3.3.json" with { type: "json" };
import v3_4 from "./schema/config_schema_v3.4.json" with { type: "json" };
import v3_5 from "./schema/config_schema_v3.5.json" with { type: "json" };
import v3_6 from "./schema/config_schema_v3.6.json" with { type: "json" };
import v3_7 from "./schema/config_schema_v3.7.json" with { type: "json" };
import v3_8 from "./schema/config_schema_v3.8.json" with { type: "json" };
import v3_9 from "./schema/config_schema_v3.9.json" with { type: "json" };
import v3_10 from "./schema/config_schema_v3.10.json" with { type: "json" };
import v3_11 from "./schema/config_schema_v3.11.json" with { type: "json" };
import v3_12 from "./schema/config_schema_v3.12.json" with { type: "json" };
import v3_13 from "./schema/config_schema_v3.13.json" with { type: "json" };

/*
 * The compose file schemas docker CLI 28 embeds (vendored unchanged in schema/, see its README),
 * by the `version:` they validate: docker picks the schema by the file's version, 3.13 when the
 * file has none or says `3`.
 */
export const COMPOSE_SCHEMAS: Record<string, AnySchema> = {
  "3.0": v3_0,
  "3.1": v3_1,
  "3.2": v3_2,
  "3.3": v3_3,
  "3.4": v3_4,
  "3.5": v3_5,
  "3.6": v3_6,
  "3.7": v3_7,
  "3.8": v3_8,
  "3.9": v3_9,
  "3.10": v3_10,
  "3.11": v3_11,
  "3.12": v3_12,
  "3.13": v3_13,
};
export const DEFAULT_VERSION = "3.13";
