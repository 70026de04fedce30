import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDelivery } from "./stream-reader.js";

describe("stream reader: delivery metadata from the reply subject", () => {
  it("the short and the long (domain, account) forms", () => {
    assert.deepEqual(parseDelivery("$JS.ACK.EVENTS.c1.1.42.7.1764380000123456789.10"),
      { streamSeq: 42, consumerSeq: 7, timeMs: 1764380000123, pending: 10 });
    assert.deepEqual(parseDelivery("$JS.ACK.dom.acchash.EVENTS.c1.1.42.7.1764380000123456789.0.xyz"),
      { streamSeq: 42, consumerSeq: 7, timeMs: 1764380000123, pending: 0 });
    assert.deepEqual(parseDelivery("$JS.ACK.dom.acchash.EVENTS.c1.1.42.7.1764380000123456789.3"),
      { streamSeq: 42, consumerSeq: 7, timeMs: 1764380000123, pending: 3 });
  });
  it("anything else is not a delivery", () => {
    for (const r of ["_INBOX.abc", "$JS.ACK.EVENTS.c1", "$JS.FC.x.y", ""]) assert.equal(parseDelivery(r), undefined, r);
  });
});
