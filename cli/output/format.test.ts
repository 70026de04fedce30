import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chooseFormat, renderFormat } from "./format.js";
import { GO_TYPE, type GoStruct } from "./template.js";

const row = (ID: string, Name: string, CreatedAt: string, labels: Record<string, string> = {}): GoStruct =>
  ({ [GO_TYPE]: "*secret.secretContext", ID, Name, CreatedAt, Label: (k: string) => labels[k] ?? "" });
const rows = [row("id1", "db", "1 second ago", { env: "prod" }), row("id2", "tls", "2 hours ago")];
const headers = { ID: "ID", Name: "NAME", CreatedAt: "CREATED" };

describe("--format (docker's formatter.Context)", () => {
  it("fills {{.Field}} and {{.Label \"k\"}} per row, with \\t and \\n escapes", () => {
    assert.equal(renderFormat("{{.ID}}\\t{{ .Name }}:{{.Label \"env\"}}", rows, headers), "id1\tdb:prod\nid2\ttls:\n");
  });
  it("`table` aligns the columns under docker's headers (tabwriter: min 10, padding 3)", () => {
    assert.equal(renderFormat("table {{.Name}}\\t{{.CreatedAt}}", rows, headers),
      "NAME      CREATED\ndb        1 second ago\ntls       2 hours ago\n");
    // Functions keep the header as it is; `.Label` heads its column with the key's last part.
    assert.equal(renderFormat("table {{upper .Name}}\\t{{.Label \"com.example.run-env\"}}", rows, headers),
      "NAME      run env\nDB        \nTLS       \n");
  });
  it("`json` is {{json .}}: the row's fields sorted, methods with arguments left out", () => {
    assert.equal(renderFormat("json", rows.slice(0, 1), headers), `{"CreatedAt":"1 second ago","ID":"id1","Name":"db"}\n`);
  });
  it("an unknown field or function is docker's template error", () => {
    assert.throws(() => renderFormat("{{.Nope}}", rows, headers),
      { message: `template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *secret.secretContext` });
    assert.throws(() => renderFormat("{{nope .Name}}", [], headers), { message: `template parsing error: template: :1: function "nope" not defined` });
  });
  it("chooses docker's format: the table, {{.ID}} with -q, a given format even with -q", () => {
    const d = { table: "table {{.ID}}", quiet: "{{.ID}}" };
    assert.equal(chooseFormat(undefined, false, d), "table {{.ID}}");
    assert.equal(chooseFormat("table", true, d), "{{.ID}}");
    assert.equal(chooseFormat("{{.Name}}", true, d), "{{.Name}}");
  });
});
