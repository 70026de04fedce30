import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detailsOf, fixedNano, incompleteWarning, logPayload, parseSince, parseTail } from "./log-lines.js";

const ctx = { nodeId: "n1", serviceId: "s1", taskId: "t1" };

describe("log lines as the Engine API sends them", () => {
  it("timestamps get nine fractional digits, as moby's RFC3339NanoFixed", () => {
    assert.equal(fixedNano("2026-12-07T02:48:40.1234Z"), "2026-12-07T02:48:40.123400000Z");
    assert.equal(fixedNano("2026-12-07T02:48:40Z"), "2026-12-07T02:48:40.000000000Z");
    assert.equal(fixedNano("2026-12-07T02:48:40.123456789+02:00"), "2026-12-07T02:48:40.123456789+02:00");
  });

  it("details are the task's context sorted by key; timestamp first, then details, then the line", () => {
    assert.equal(detailsOf(ctx), "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1");
    const line = { t: "2026-12-07T02:48:40.5Z", d: "hello\n" };
    assert.equal(logPayload(line, ctx, { timestamps: false, details: false }), "hello\n");
    assert.equal(logPayload(line, ctx, { timestamps: true, details: false }), "2026-12-07T02:48:40.500000000Z hello\n");
    assert.equal(logPayload(line, ctx, { timestamps: true, details: true }),
      "2026-12-07T02:48:40.500000000Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello\n");
  });

  it("the incomplete-stream warning names every reason", () => {
    assert.equal(incompleteWarning(["node a is not available", "node b is not available"]),
      "Error grabbing logs: warning: incomplete log stream. some logs could not be retrieved for the following reasons: node a is not available, node b is not available\n");
  });

  it("since and tail: Docker's query forms, a bad one named", () => {
    assert.equal(parseSince(undefined), undefined);
    assert.equal(parseSince("0"), undefined);
    assert.equal(parseSince("1700000000.25"), "1700000000.25");
    assert.throws(() => parseSince("42m"), /since: "42m" is not a unix timestamp/);
    assert.equal(parseTail("all"), undefined);
    assert.equal(parseTail("2"), 2);
    assert.throws(() => parseTail("-1"), /tail: "-1" is not a number of lines/);
  });
});
