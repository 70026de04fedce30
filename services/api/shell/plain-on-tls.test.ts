import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { looksLikeHttp } from "./plain-on-tls.js";

describe("plain HTTP on the TLS port", () => {
  it("reads an HTTP request line as plain HTTP, a TLS record as TLS", () => {
    for (const line of ["GET /v1.51/_ping HTTP/1.1\r\n", "HEAD /_ping HTTP/1.1\r\n", "POST /services/create HTTP/1.1", "DELETE /x HTTP/1.1"]) {
      assert.equal(looksLikeHttp(Buffer.from(line, "latin1")), true, line);
    }
    // A ClientHello: handshake record (22), TLS 1.0 record version, then the length.
    assert.equal(looksLikeHttp(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc])), false);
    for (const other of ["get / HTTP/1.1", "GET", "BREW /pot HTTP/1.1", ""]) assert.equal(looksLikeHttp(Buffer.from(other, "latin1")), false, other);
  });
});
