import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderTable, titleCase } from "./table.js";

describe("renderTable", () => {
  it("pads each column to its widest cell plus 3 (min 10), header upper-case, last column unpadded", () => {
    const out = renderTable(["ID", "NAME", "MODE", "PORTS"], [["abcdefabcdef", "web", "replicated", ""], ["0123456789ab", "a-much-longer-name", "global", "*:80->80/tcp"]]);
    assert.equal(out,
      "ID             NAME                 MODE         PORTS\n" +
      "abcdefabcdef   web                  replicated\n" +
      "0123456789ab   a-much-longer-name   global       *:80->80/tcp\n");
  });
  it("prints only the header for no rows", () => {
    assert.equal(renderTable(["id", "name"], []), "ID        NAME\n");
  });
  it("title-cases enum strings", () => {
    assert.equal(titleCase("ready"), "Ready");
    assert.equal(titleCase(""), "");
  });
});
