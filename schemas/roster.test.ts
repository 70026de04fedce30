import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONTROL_PLANE_SERVICES, ROSTER, RUNNABLE, SCALABLE_SERVICES } from "./roster.js";

const serviceDir = (name: string) => fileURLToPath(new URL(`../services/${name}/`, import.meta.url));

describe("the roster", () => {
  it("names a service folder with a main for everything `swarm run` can start", () => {
    for (const name of RUNNABLE) assert.ok(existsSync(`${serviceDir(name)}main.js`), `services/${name}/main`);
  });

  it("scales every service but the api (one per manager), and a partitioned service names its key", () => {
    assert.deepEqual(SCALABLE_SERVICES, CONTROL_PLANE_SERVICES.filter((s) => s !== "api"));
    for (const s of CONTROL_PLANE_SERVICES) {
      const e: { ownership: string; partitionKind?: string } = ROSTER[s];
      assert.equal(e.ownership === "partitioned", e.partitionKind !== undefined, s);
    }
  });
});
