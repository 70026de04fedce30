import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SwarmError } from "../../shared/errors/index.js";
import { eventMatches, eventRow, NameBook, parseBound, parseDurationMs, summarize } from "./audit-events.js";
import type { Filters } from "./filters.js";
import { API, LogBuilder, NODE, ORCH, smallLog } from "./audit-test-fixture.js";

const now = new Date("2026-01-02T00:00:00Z");

describe("audit events: bounds", () => {
  it("durations: Go style, summed; anything else is not one", () => {
    assert.equal(parseDurationMs("10m"), 600_000);
    assert.equal(parseDurationMs("1h30m"), 5_400_000);
    assert.equal(parseDurationMs("1.5s"), 1500);
    assert.equal(parseDurationMs("250ms"), 250);
    assert.equal(parseDurationMs("2d"), 172_800_000);
    for (const bad of ["", "10", "m", "10x", "-5s", "5 s", "seq:3"]) assert.equal(parseDurationMs(bad), undefined, bad);
  });

  it("bounds: seq:N, a duration before now, or an RFC 3339 time; anything else names the field", () => {
    assert.deepEqual(parseBound("seq:42", now, "at"), { seq: 42 });
    assert.deepEqual(parseBound("10m", now, "at"), { time: new Date("2026-01-01T23:50:00Z") });
    assert.deepEqual(parseBound("2026-01-01T12:00:00Z", now, "at"), { time: new Date("2026-01-01T12:00:00Z") });
    assert.deepEqual(parseBound("2026-01-01T12:00:00.250+01:00", now, "at"), { time: new Date("2026-01-01T11:00:00.250Z") });
    assert.deepEqual(parseBound("2026-01-01", now, "at"), { time: new Date("2026-01-01T00:00:00Z") });
    for (const bad of ["yesterday", "seq:", "seq:-1", "12:00", "2026-13-45T00:00:00Z"]) {
      assert.throws(() => parseBound(bad, now, "since"), (e: unknown) =>
        e instanceof SwarmError && e.code === "invalid_argument" && e.message.startsWith(`since: "${bad}"`), bad);
    }
  });
});

describe("audit events: summaries and filters", () => {
  const log = smallLog().log;
  const names = new NameBook();
  log.forEach((m) => names.learn(m.event));

  it("each summary names its object by name and says what happened", () => {
    const lines = log.map((m) => summarize(m.event, names));
    assert.deepEqual(lines, [
      "cluster c1 initialized",
      "node host1 (n1) joined as manager",
      "node host1 registered from 127.0.0.1 (host1)",
      "service web (1 replica, img:1)",
      "task web.1.t1 created (desired running)",
      "task web.1.t1 assigned to node host1",
      "task web.1.t1 starting",
      "task web.1.t1 running",
      "node host1 ready",
    ]);
  });

  it("a row carries seq, store time, type, object and actor", () => {
    const row = eventRow(6, new Date("2026-01-01T00:00:06Z"), log[5]!.event, names);
    assert.deepEqual(row, {
      seq: 6, time: "2026-01-01T00:00:06.000Z", type: "TaskAssigned", object: { kind: "task", id: "t1" },
      actor: { kind: "service", id: "scheduler-3" }, summary: "task web.1.t1 assigned to node host1",
    });
  });

  /** As the route does: learn each event's names, then match it. */
  const seqs = (f: Record<string, string[]>) => {
    const book = new NameBook();
    return log.filter((m) => (book.learn(m.event), eventMatches(m.event, new Map(Object.entries(f)) as Filters, book))).map((m) => m.seq);
  };

  it("filters: values of a key OR-ed, keys AND-ed; ids, prefixes and names", () => {
    assert.deepEqual(seqs({}), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(seqs({ type: ["TaskAssigned", "ServiceCreated"] }), [4, 6]);
    assert.deepEqual(seqs({ service: ["web"] }), [4, 5, 6, 7, 8]);
    assert.deepEqual(seqs({ service: ["s1"] }), seqs({ service: ["web"] }));
    assert.deepEqual(seqs({ service: ["nope"] }), []);
    assert.deepEqual(seqs({ node: ["host1"], type: ["TaskStatusChanged"] }), [7, 8]);
    assert.deepEqual(seqs({ node: ["n1"] }), [2, 3, 6, 7, 8, 9]);
    assert.deepEqual(seqs({ actor: ["node"] }), [3, 7, 8, 9]);
    assert.deepEqual(seqs({ actor: ["scheduler-3"] }), [6]);
    assert.deepEqual(seqs({ actor: ["service:orchestrator-2"] }), [5]);
    assert.deepEqual(seqs({ actor: ["local"] }), [1, 2, 4]);
    assert.deepEqual(seqs({ actor: [API.id], type: ["ServiceCreated"] }), [4]);
    assert.ok(ORCH && NODE);
  });

  it("a cluster update says what it set", () => {
    const b = smallLog();
    const e = b.add("ClusterUpdated", "cluster", "default", { taskHistoryLimit: 3, controlPlane: { scheduler: 2 } }, API);
    assert.equal(summarize(e, names), "cluster updated: task history limit 3, control plane scheduler=2");
    assert.equal(summarize(b.add("ClusterUpdated", "cluster", "default", {}, API), names), "cluster updated");
  });

  it("secrets and configs: name, version and size; never the HMAC", () => {
    const b = smallLog();
    const c = b.add("SecretCreated", "secret", "sec0123456789ab", { secretId: "sec0123456789ab", name: "db", labels: {}, version: 1, size: 7, hmac: "HMAC" }, API);
    assert.equal(summarize(c, names), "secret db (sec012345678) created (7 bytes)");
    const r = b.add("ConfigRotated", "config", "cfg1", { configId: "cfg1", version: 2, size: 9, hmac: "HMAC" }, API);
    assert.equal(summarize(r, names), "config cfg1 rotated to version 2 (9 bytes)");
    assert.equal(summarize(b.add("SecretRemoved", "secret", "sec0123456789ab", { secretId: "sec0123456789ab" }, API), names), "secret sec012345678 removed");
  });

  it("a removed object is named by its remove, its create unread (events --since after the create); filters by name match it", () => {
    const b = new LogBuilder();
    const removes = [
      b.add("ServiceRemoved", "service", "svc0123456789ab", { serviceId: "svc0123456789ab", name: "api" }, API),
      b.add("NodeRemoved", "node", "nod0123456789ab", { nodeId: "nod0123456789ab", name: "worker9" }, API),
      b.add("SecretRemoved", "secret", "sec0123456789ab", { secretId: "sec0123456789ab", name: "db" }, API),
      b.add("ConfigRemoved", "config", "cfg0123456789ab", { configId: "cfg0123456789ab", name: "conf" }, API),
      b.add("NetworkRemoved", "network", "net0123456789ab", { networkId: "net0123456789ab", name: "st_default" }, API),
    ];
    const book = new NameBook();
    const matched = (f: Record<string, string[]>) => removes.filter((e) => eventMatches(e, new Map(Object.entries(f)) as Filters, book)).map((e) => e.type);
    removes.forEach((e) => book.learn(e));
    assert.deepEqual(removes.map((e) => summarize(e, book)), [
      "service api removed", "node worker9 removed", "secret db (sec012345678) removed", "config conf (cfg012345678) removed",
      "network st_default (net012345678) removed",
    ]);
    assert.deepEqual([matched({ service: ["api"] }), matched({ node: ["worker9"] })], [["ServiceRemoved"], ["NodeRemoved"]]);
  });

  it("names unknown to the range fall back to the live projection, then to short ids", () => {
    const live = new NameBook();
    const fresh = new NameBook(live);
    live.learn(log[3]!.event);
    assert.equal(fresh.serviceName("s1"), "web");
    assert.equal(summarize(log[5]!.event, new NameBook()), "task t1 assigned to node n1");
  });
});
