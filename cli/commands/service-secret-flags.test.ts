import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "../../schemas/api.js";
import { configReferences, secretReferences, updateReferences, withReferences } from "./service-secret-flags.js";
import { prettyService } from "./service-pretty.js";

const file = (Name: string, over: object = {}) => ({ Name, UID: "0", GID: "0", Mode: 0o444, ...over });

describe("--secret / --config", () => {
  it("NAME alone: target = name, uid/gid 0, mode 0444 (docker's defaults); the name goes in both fields", () => {
    assert.deepEqual(secretReferences(["db"]), [{ File: file("db"), SecretID: "db", SecretName: "db" }]);
    assert.deepEqual(configReferences(["nginx.conf"]), [{ File: file("nginx.conf"), ConfigID: "nginx.conf", ConfigName: "nginx.conf" }]);
  });

  it("the CSV form: source/src, target, uid, gid, mode in Go's base-0 syntax", () => {
    assert.deepEqual(secretReferences(["source=db,target=pw,uid=1000,gid=1001,mode=0400"]),
      [{ File: file("pw", { UID: "1000", GID: "1001", Mode: 0o400 }), SecretID: "db", SecretName: "db" }]);
    assert.equal(secretReferences(["src=db,mode=0o440"])[0]?.File?.Mode, 0o440);
    assert.equal(configReferences(["source=c,target=/etc/c.conf,mode=292"])[0]?.File?.Name, "/etc/c.conf");
  });

  it("NAME@3 pins version 3 (the default target stays the name)", () => {
    assert.deepEqual(secretReferences(["db@3"]), [{ File: file("db"), SecretID: "db", SecretName: "db", Version: 3, Pinned: true }]);
    assert.equal(configReferences(["source=c@2,target=x"])[0]?.Version, 2);
    assert.throws(() => secretReferences(["db@x"]), { message: 'invalid secret version "x" in db@x: expected a positive integer' });
  });

  it("docker's messages for bad input", () => {
    assert.throws(() => secretReferences(["target=x"]), { message: "source is required" });
    assert.throws(() => secretReferences(["source=db,bogus"]), { message: "invalid field 'bogus' must be a key=value pair" });
    assert.throws(() => configReferences(["source=db,color=red"]), { message: "invalid field in config request: color" });
    assert.throws(() => secretReferences(["source=db,mode=rw"]), { message: 'invalid mode specified: strconv.ParseUint: parsing "rw": invalid syntax' });
    assert.throws(() => secretReferences(["db", "source=other,target=db"]), { message: "duplicate secret target for other not allowed" });
  });

  it("create sets the references; update drops --*-rm (name or id) then appends --*-add", () => {
    const c = withReferences({ Image: "i" }, { secret: ["a", "b"], config: [] });
    assert.deepEqual(c.Secrets?.map((r) => r.SecretName), ["a", "b"]);
    assert.equal(c.Configs, undefined);
    const stored = { Image: "i", Secrets: [{ SecretID: "id-a", SecretName: "a", Version: 1 }, { SecretID: "id-b", SecretName: "b", Version: 2 }] };
    const u = updateReferences(stored, { secretRm: ["a", "id-b"], secretAdd: ["source=c,target=a"], configAdd: ["x"] });
    assert.deepEqual(u.Secrets, [{ File: file("a"), SecretID: "c", SecretName: "c" }]);
    assert.deepEqual(u.Configs?.map((r) => r.ConfigName), ["x"]);
    assert.equal("Secrets" in updateReferences(stored, { secretRm: ["a", "b"] }), false);
    assert.deepEqual(updateReferences(stored, {}).Secrets, stored.Secrets);
  });

  it("inspect --pretty lists them with their version", () => {
    const s: Service = {
      ID: "s1", Version: { Index: 3 }, CreatedAt: "t", UpdatedAt: "t",
      Spec: { Name: "web", TaskTemplate: { ContainerSpec: {
        Image: "i", Secrets: [{ SecretID: "x", SecretName: "db", Version: 2, File: file("pw") }],
        Configs: [{ ConfigID: "y", ConfigName: "c", Version: 1, Pinned: true }],
      } } },
    };
    const text = prettyService(s, new Date());
    // docker's layout (Configs, then Secrets, at the top level), the source with jetswarm's version.
    assert.match(text, /\nConfigs:\n Target:\tc\n {2}Source:\tc@1 \(pinned\)\nSecrets:\n Target:\tpw\n {2}Source:\tdb@2\n/);
  });
});
