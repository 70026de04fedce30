import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLine, parseLogDetails, sinceParam, splitLine, taskPrefix } from "./log-format.js";

const DETAILS = "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=abcdefghijklmnopqrstuvwxy";

describe("service logs output, as docker prints it", () => {
  it("the context comes out of the details; what is left is the line", () => {
    const l = splitLine(`${DETAILS} hello world\n`, false);
    assert.deepEqual(l.context, { nodeId: "n1", serviceId: "s1", taskId: "abcdefghijklmnopqrstuvwxy" });
    assert.deepEqual(l.details, {});
    assert.equal(l.message, "hello world\n");
    const t = splitLine(`2026-12-07T02:48:40.500000000Z ${DETAILS},x=a%2Cb hi\n`, true);
    assert.equal(t.timestamp, "2026-12-07T02:48:40.500000000Z");
    assert.deepEqual(t.details, { x: "a,b" });
  });

  it("a details cache gives the same split, parsing each details text once", () => {
    const cache = new Map();
    const a = splitLine(`${DETAILS},k=v one\n`, false, cache);
    const b = splitLine(`${DETAILS},k=v two\n`, false, cache);
    assert.deepEqual([a.context, a.details, a.message], [b.context, b.details, "one\n"]);
    assert.equal(b.message, "two\n");
    assert.equal(cache.size, 1);
  });

  it("a line without the context is refused with docker's words", () => {
    assert.throws(() => splitLine("hello", false), /invalid context in log message: hello/);
    assert.throws(() => splitLine("a=b hello", false), /missing node id in details/);
    assert.throws(() => parseLogDetails("=x"), /invalid details format/);
  });

  it("prefix: <service>.<slot>.<task id 12>@<node>, padded to the widest slot; --no-task-ids, --no-trunc", () => {
    const t = { serviceName: "web", slot: 3, taskId: "abcdefghijklmnopqrstuvwxy", nodeName: "node1" };
    assert.equal(taskPrefix(t, { noTaskIds: false, noTrunc: false, padding: 2 }), "web.3.abcdefghijkl@node1 ");
    assert.equal(taskPrefix(t, { noTaskIds: true, noTrunc: false, padding: 1 }), "web.3@node1");
    assert.equal(taskPrefix(t, { noTaskIds: false, noTrunc: true, padding: 1 }), "web.3.abcdefghijklmnopqrstuvwxy@node1");
    const l = splitLine(`2026-12-07T02:48:40.500000000Z ${DETAILS},z=1 hi\n`, true);
    assert.equal(formatLine(l, "web.3@node1", false), "2026-12-07T02:48:40.500000000Z web.3@node1    | hi\n");
    assert.equal(formatLine(l, "web.3@node1", true), "2026-12-07T02:48:40.500000000Z web.3@node1    | z=1 hi\n");
  });

  it("--since: unix seconds as given, a duration before now, a date; anything else named", () => {
    const now = new Date("2026-12-07T03:00:00Z");
    assert.equal(sinceParam("1700000000", now), "1700000000");
    assert.equal(sinceParam("42m", now), (Date.parse("2026-12-07T02:18:00Z") / 1000).toFixed(9));
    assert.equal(sinceParam("2026-12-07T02:00:00Z", now), (Date.parse("2026-12-07T02:00:00Z") / 1000).toFixed(9));
    assert.throws(() => sinceParam("yesterday", now), /failed to parse value as time or duration: "yesterday"/);
  });
});
