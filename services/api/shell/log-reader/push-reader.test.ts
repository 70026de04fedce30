import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseAckReply } from "./push-reader.js";

describe("parseAckReply", () => {
  const want = { seq: 12345, cseq: 17, timeMs: 1764390000123, pending: 42 };
  it("reads the old form", () => {
    assert.deepEqual(parseAckReply("$JS.ACK.EVENTS.c1.1.12345.17.1764390000123456789.42"), want);
  });
  it("reads the form with domain and account hash, with or without the trailing token", () => {
    assert.deepEqual(parseAckReply("$JS.ACK._.HASH.EVENTS.c1.1.12345.17.1764390000123456789.42.tok"), want);
    assert.deepEqual(parseAckReply("$JS.ACK.dom.HASH.EVENTS.c1.1.12345.17.1764390000123456789.42"), want);
  });
  it("takes whole milliseconds from the nanoseconds' digits", () => {
    assert.equal(parseAckReply("$JS.ACK.S.c.1.1.1.1764390000123999999.0")?.timeMs, 1764390000123);
  });
  it("refuses anything else", () => {
    for (const r of ["", "_INBOX.abc", "$JS.FC.S.x.y", "$JS.ACK.S.c.1.12345.17.1764390000123456789", "$JS.ACK.S.c.1.x.17.1764390000123456789.0", "$JS.ACK.S.c.1.1.-1.5.0"]) {
      assert.equal(parseAckReply(r), undefined, r);
    }
  });
});
