import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderFormat, type FormatRow } from "./format.js";

const rows: FormatRow[] = [
  { fields: { ID: "id1", Name: "db", CreatedAt: "1 second ago" }, labels: { env: "prod" } },
  { fields: { ID: "id2", Name: "tls", CreatedAt: "2 hours ago" } },
];
const headers = { ID: "ID", Name: "NAME", CreatedAt: "CREATED" };

describe("--format", () => {
  it("fills {{.Field}} and {{.Label \"k\"}} per row, with \\t and \\n escapes", () => {
    assert.equal(renderFormat("{{.ID}}\\t{{ .Name }}:{{.Label \"env\"}}", rows, headers), "id1\tdb:prod\nid2\ttls:\n");
  });
  it("`table` aligns the columns under their headers", () => {
    assert.equal(renderFormat("table {{.Name}}\\t{{.CreatedAt}}", rows, headers),
      "NAME      CREATED\ndb        1 second ago\ntls       2 hours ago\n");
  });
  it("`json` prints each row's fields as one line of JSON", () => {
    assert.equal(renderFormat("json", rows.slice(0, 1), headers), `{"ID":"id1","Name":"db","CreatedAt":"1 second ago"}\n`);
  });
  it("an unknown field is an error naming the fields there are", () => {
    assert.throws(() => renderFormat("{{.Nope}}", rows, headers), /--format: cannot evaluate \{\{\.Nope\}\} \(fields: \.ID, \.Name, \.CreatedAt, \.Label "key"\)/);
    assert.throws(() => renderFormat("table {{.Nope}}", [], headers), /cannot evaluate/);
  });
});
