import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { decideAndCommit } from "../reconcile/index.js";
import { plan } from "../model/index.js";
import { Informer } from "../projection/index.js";
import { MemoryEventStore } from "../eventlog/index.js";
import type { Span } from "@opentelemetry/api";
import { inSpan, startTelemetry } from "./telemetry.js";

const actor = { kind: "user", id: "t" } as const;
const spec = (name: string) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "img" } } });

describe("telemetry", () => {
  let stop: () => Promise<void>;
  before(() => { stop = startTelemetry("test", {}); });
  after(async () => { await stop(); });

  it("records the decision's W3C traceparent on every event it appends, one trace per request", async () => {
    const store = new MemoryEventStore();
    const informer = new Informer(store);
    await informer.start();
    const commit = (names: string[], parent: Span) => decideAndCommit(store, informer, () =>
      names.filter((n) => !informer.state.services.has(n)).map((n) => plan("ServiceCreated", "service", n, { serviceId: n, spec: spec(n) }, 0, `c:${n}`)),
      () => ({ actor, now: new Date(0) }), { parent });
    let request1 = "";
    await inSpan("request-1", {}, async (req) => { request1 = req.spanContext().traceId; await commit(["a"], req); await commit(["b"], req); });
    await inSpan("request-2", {}, (req) => commit(["c"], req));
    const tps = store.events.map((e) => e.event.traceparent ?? "");
    for (const tp of tps) assert.match(tp, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = (tp: string) => tp.split("-")[1];
    assert.equal(traceId(tps[0]!), request1, "a decision is in its request's trace");
    assert.equal(traceId(tps[0]!), traceId(tps[1]!), "events of one request share the trace");
    assert.notEqual(traceId(tps[0]!), traceId(tps[2]!), "another request, another trace");
    await informer.stop();
  });
});
