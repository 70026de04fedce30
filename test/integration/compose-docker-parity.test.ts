import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadStack } from "../../cli/stack/compose.js";
import type { StackObjects } from "../../cli/stack/objects.js";
import { runDocker, startDockerRecorder, type DockerRecorder } from "../helpers/docker-recorder.js";

/*
 * The loader against the docker CLI itself: `docker stack deploy` of the same compose file, sent to
 * a recording stand-in engine, must ask for the same networks, secrets, configs and services as
 * loadStack returns. Compared after dropping Go's zero values (docker sends `false`, `0`, `{}`
 * where jetswarm leaves a key out) and the object ids docker resolved (jetswarm's api resolves
 * names itself), nothing else.
 */

const FULL = fileURLToPath(new URL("../../../cli/stack/fixtures/full/compose.yml", import.meta.url));
const OVERRIDE = fileURLToPath(new URL("../../../cli/stack/fixtures/full/override.yml", import.meta.url));
const EXISTING = { networks: ["shared-back"], secrets: ["prod_api_token"] };

/** Go's omitempty, applied to both sides: null, false, 0, "", {} and [] mean "not set". */
function zeroless(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(zeroless).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "SecretID" || k === "ConfigID" || k === "CheckDuplicate") continue;
      const z = zeroless(x);
      if (z !== undefined) out[k] = z;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null || v === false || v === 0 || v === "" ? undefined : v;
}

const byName = (items: unknown[]): Map<string, unknown> =>
  new Map(items.map((b) => [String((b as { Name: string }).Name), zeroless(b)]));

for (const files of [[FULL], [FULL, OVERRIDE]]) describe(`loadStack matches what docker stack deploy sends (${files.length} file(s))`, () => {
  let recorder: DockerRecorder;
  let ours: StackObjects;
  const env = { ...process.env, FROM_ENV: "from-the-environment", WEB_REPLICAS: "4" };

  before(async () => {
    recorder = await startDockerRecorder(EXISTING);
    await runDocker(recorder.host, ["stack", "deploy", "--detach=true", "--resolve-image", "never", ...files.flatMap((f) => ["-c", f]), "s"], env);
    ours = await loadStack({ files, namespace: "s", env });
  });
  after(async () => { await recorder.close(); });

  it("the same services, field for field", () => {
    const theirs = byName(recorder.posted("/services/create"));
    assert.deepEqual([...theirs.keys()].sort(), ours.services.map((s) => s.name));
    for (const s of ours.services) assert.deepEqual(zeroless(s.spec), theirs.get(s.name), s.name);
  });

  it("the same networks created, and the external one only looked up", () => {
    const theirs = byName(recorder.posted("/networks/create"));
    const created = ours.networks.filter((n) => !n.external);
    assert.deepEqual(new Map(created.map((n) => [n.name, zeroless(n.create)])), theirs);
    assert.deepEqual(ours.networks.filter((n) => n.external).map((n) => n.name), ["shared-back"]);
  });

  it("the same secrets and configs created, with the same data", () => {
    for (const kind of ["secrets", "configs"] as const) {
      const theirs = byName(recorder.posted(`/${kind}/create`));
      const created = ours[kind].filter((o) => !o.external);
      assert.deepEqual(new Map(created.map((o) => [o.name, zeroless(o.create)])), theirs, kind);
    }
    assert.deepEqual(ours.secrets.filter((o) => o.external).map((o) => o.name), ["prod_api_token"]);
  });
});
