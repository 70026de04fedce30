import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { SPEC_LIMITS } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Hostile specs against a real api on a real nats-server: each gets a 4xx naming the field, and
 * nothing is appended. Limits: the defaults, but 30 tasks per cluster (so the cluster-wide limit
 * is reached without creating 100,000 replicas).
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
let api: RunningApi;
const limits = { ...SPEC_LIMITS, maxClusterTasks: 30 };

async function call(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; message: string }> {
  const res = await fetch(api.url + path, {
    method, headers: { "content-type": "application/json" }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, message: text ? (JSON.parse(text) as { message?: string }).message ?? "" : "" };
}
const image = { ContainerSpec: { Image: "busybox:1" } };
const spec = (extra: Record<string, unknown> = {}) => ({ Name: "hostile", TaskTemplate: image, ...extra });
const replicas = (n: unknown) => spec({ Mode: { Replicated: { Replicas: n } } });
const constraint = (c: string) => spec({ TaskTemplate: { ...image, Placement: { Constraints: [c] } } });
const KEYS = "(expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>)";

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "api-limits-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  store = new JetStreamEventStore(nc);
  api = await start({ nc, store, log: createLogger("api-limits-test", "silent"), instanceId: "api-limits-test" }, { listen: "127.0.0.1:0", insecureHttp: true, limits });
  assert.equal((await call("POST", "/swarm/init", { NodeName: "n1" })).status, 200);
  assert.equal((await call("POST", "/services/create", { Name: "existing", TaskTemplate: image, Mode: { Replicated: { Replicas: 20 } } })).status, 201);
});
after(async () => {
  await api?.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

/** [what, request body (or raw JSON text), status, message]. */
const CREATE: [string, unknown, number, string][] = [
  ["10⁹ replicas", replicas(1e9), 400, "Mode.Replicated.Replicas: 1000000000 is over the limit of 10000 replicas per service"],
  ["2^53−1 replicas", replicas(2 ** 53 - 1), 400, "Mode.Replicated.Replicas: 9007199254740991 is over the limit of 10000 replicas per service"],
  ["2^60 replicas (not a safe integer)", replicas(2 ** 60), 400, "Mode.Replicated.Replicas: Too big: expected int to be <=9007199254740991"],
  ["replicas as a string", replicas("3"), 400, "Mode.Replicated.Replicas: expected number, got string"],
  ["fractional replicas", replicas(1.5), 400, "Mode.Replicated.Replicas: expected integer, got number"],
  ["negative replicas", replicas(-1), 400, "Mode.Replicated.Replicas: Too small: expected number to be >=0"],
  ["the cluster over its task limit (20 + 11 > 30)", replicas(11), 400,
    "Mode.Replicated.Replicas: the cluster's services would ask for 31 tasks, over the limit of 30 tasks per cluster"],
  ["a 1.1 MB service label", spec({ Labels: { big: "x".repeat(1_100_000) } }), 400,
    `Labels: label "big" is 1100003 bytes (key + value), over the limit of ${64 * 1024}`],
  ["a 70 KB container label", spec({ TaskTemplate: { ContainerSpec: { Image: "i", Labels: { l: "y".repeat(70_000) } } } }), 400,
    `TaskTemplate.ContainerSpec.Labels: label "l" is 70001 bytes (key + value), over the limit of ${64 * 1024}`],
  ["a 600 KB spec (many small env vars)", spec({ TaskTemplate: { ContainerSpec: { Image: "i", Env: Array.from({ length: 6000 }, (_, i) => `V${i}=${"z".repeat(90)}`) } } }), 400,
    "spec is 592963 bytes as JSON, over the limit of 524288"],
  ["constraint with an unknown key", constraint("node.foo==a"), 400, `TaskTemplate.Placement.Constraints: key 'node.foo' is invalid in "node.foo==a" ${KEYS}`],
  ["constraint with an empty label name", constraint("node.labels.==a"), 400, `TaskTemplate.Placement.Constraints: key 'node.labels.' is invalid in "node.labels.==a" ${KEYS}`],
  ["constraint with a trailing newline", constraint("node.role==manager\n"), 400, `TaskTemplate.Placement.Constraints: control character in "node.role==manager\\n"`],
  ["constraint without an operator", constraint("node.role=manager"), 400, "constraint expected one operator from ==, !="],
  ["constraint with a bad key", constraint("9x==a"), 400, `TaskTemplate.Placement.Constraints: key '9x' is invalid in "9x==a"`],
  ["a global mode with a field", spec({ Mode: { Global: { Replicas: 1 } } }), 400, "Mode.Global.Replicas: unknown field"],
];

describe("api: hostile specs are refused with a 4xx naming the field, and nothing is appended", () => {
  for (const [what, body, status, message] of CREATE) {
    it(`create: ${what}`, async () => {
      const head = await store.headSeq();
      const r = await call("POST", "/services/create", body);
      assert.deepEqual(r, { status, message });
      assert.equal(await store.headSeq(), head);
    });
  }

  it("good neighbours of the hostile ones are accepted: 10 replicas (20 + 10 = 30), node.labels.zone, engine.labels.x", async () => {
    const ok = await call("POST", "/services/create", spec({
      Mode: { Replicated: { Replicas: 10 } },
      TaskTemplate: { ...image, Placement: { Constraints: ["node.labels.zone==a", "engine.labels.x!=b", "node.platform.os==linux"] } },
    }));
    assert.equal(ok.status, 201, ok.message);
    // At the limit: raising any service is refused; lowering one is always allowed.
    const version = ((await (await fetch(`${api.url}/services/existing`)).json()) as { Version: { Index: number } }).Version.Index;
    const up = await call("POST", `/services/existing/update?version=${version}`, { Name: "existing", TaskTemplate: image, Mode: { Replicated: { Replicas: 21 } } });
    assert.deepEqual(up, { status: 400, message: "Mode.Replicated.Replicas: the cluster's services would ask for 31 tasks, over the limit of 30 tasks per cluster" });
    const down = await call("POST", `/services/existing/update?version=${version}`, { Name: "existing", TaskTemplate: image, Mode: { Replicated: { Replicas: 19 } } });
    assert.equal(down.status, 200, down.message);
  });

  for (const v of ["0x5", "+26", "028", "18.0", "1e3", "-1", ""]) {
    it(`update: version=${JSON.stringify(v)} is not a number`, async () => {
      const head = await store.headSeq();
      const r = await call("POST", `/services/existing/update?version=${encodeURIComponent(v)}`, { Name: "existing", TaskTemplate: image });
      assert.deepEqual(r, { status: 400, message: "version: must be a non-negative decimal integer" });
      assert.equal(await store.headSeq(), head);
    });
  }
});
