import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderTable } from "../output/table.js";
import { renderFormat } from "../output/format.js";
import { formatHeaders, formatRow, lsHeaders, lsRows, prettyObject } from "./object-view.js";

const now = new Date("2026-01-01T01:00:00Z");
const secret = {
  ID: "abc123", Version: { Index: 7 }, CreatedAt: "2026-01-01T00:58:00Z", UpdatedAt: "2026-01-01T00:59:59.500Z",
  Versions: [{ Version: 1, Size: 3, CreatedAt: "2026-01-01T00:58:00Z" }, { Version: 2, Size: 9, CreatedAt: "2026-01-01T00:59:59.500Z" }],
  Spec: { Name: "db", Labels: { env: "prod", flag: "" } },
};
const config = { ...secret, ID: "cfg1", Spec: { Name: "nginx.conf", Labels: {}, Data: Buffer.from("server {}\n").toString("base64") } };

describe("secret and config views", () => {
  it("ls: docker's columns (a secret's DRIVER empty, a config has none), times as 'ago'", () => {
    assert.equal(renderTable(Object.values(lsHeaders("secret")), lsRows("secret", [secret], now)),
      "ID        NAME      DRIVER    CREATED         UPDATED\n" +
      "abc123    db                  2 minutes ago   Less than a second ago\n");
    assert.deepEqual(Object.values(lsHeaders("config")), ["ID", "NAME", "CREATED", "UPDATED"]);
  });
  it("--format: every field has a table header; labels and the current version", () => {
    assert.equal(renderFormat("table {{.Name}}\t{{.Labels}}\t{{.Version}}", [formatRow("secret", secret, now)], formatHeaders("secret")),
      "NAME      LABELS           VERSION\ndb        env=prod,flag=   2\n");
  });
  it("inspect --pretty: labels, versions; a config's data as text", () => {
    assert.equal(prettyObject("secret", secret, now), [
      // docker 28's secretInspectPrettyTemplate (its spacing), times as Go's time.Time prints them.
      "ID:              abc123", "Name:              db", "Labels:", " - env=prod", " - flag", "Driver:            ",
      "Created at:        2026-01-01 00:58:00 +0000 UTC", "Updated at:        2026-01-01 00:59:59.5 +0000 UTC",
      "Versions:", " - 1: 3 bytes, created 2 minutes ago", " - 2: 9 bytes, created Less than a second ago",
    ].join("\n"));
    assert.match(prettyObject("config", config, now), /^ID:\t\t\tcfg1\nName:\t\t\tnginx.conf\nCreated at:            \t2026-01-01 00:58:00 \+0000 UTC\n/);
    assert.match(prettyObject("config", config, now), /\nData:\nserver \{\}\n$/);
    assert.doesNotMatch(prettyObject("config", config, now), /Driver/);
  });
});
