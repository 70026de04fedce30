import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node } from "../../schemas/api.js";
import { applyNodeFlags, bytesSize, currentNodeId, goTimeString, nodeRows, prettyNode } from "./node-view.js";

const node = (id: string, host: string, over: Partial<Node> = {}): Node => ({
  ID: id, Version: { Index: 3 }, CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-01-01T00:00:00Z",
  Spec: { Name: host, Role: "worker", Availability: "active", Labels: {} },
  Status: { State: "ready", Addr: "10.0.0.2" }, ...over,
});

describe("node view", () => {
  it("ls rows: sorted by host name, the current node starred", () => {
    const rows = nodeRows([node("b", "n2"), node("a", "n1", { ManagerStatus: { Leader: true, Reachability: "reachable", Addr: "" } })], "b");
    assert.deepEqual(rows, [["a", "n1", "Ready", "Active", "Leader", ""], ["b *", "n2", "Ready", "Active", "", ""]]);
  });

  it("bytesSize like docker's units.BytesSize", () => {
    assert.deepEqual([bytesSize(512), bytesSize(64 * 2 ** 20), bytesSize(2096058368), bytesSize(2 ** 30)], ["512B", "64MiB", "1.952GiB", "1GiB"]);
  });

  it("pretty inspect lists labels, status, resources and engine labels", () => {
    const text = prettyNode(node("a", "n1", {
      Spec: { Name: "n1", Role: "worker", Availability: "drain", Labels: { zone: "a" } },
      Description: { Hostname: "h1", Platform: { OS: "linux", Architecture: "x86_64" }, Resources: { NanoCPUs: 2e9, MemoryBytes: 2 ** 31 },
        Engine: { EngineVersion: "27.0.1", Labels: { disk: "ssd" } } },
    }));
    for (const line of ["ID:\t\t\ta", "Name:\t\t\tn1", "Labels:\n - zone=a", "Hostname:              \th1", " State:\t\t\tReady", " Availability:         \tDrain",
      " Address:\t\t10.0.0.2", " Operating System:\tlinux", " CPUs:\t\t\t2", " Memory:\t\t2GiB", "Engine Version:\t\t27.0.1", "Engine Labels:\n - disk=ssd"]) {
      assert.ok(text.includes(line), `has ${JSON.stringify(line)}`);
    }
  });

  it("pretty inspect shows Docker's TLS Info and the certificate's expiry", () => {
    const text = prettyNode(node("a", "n1", {
      Description: { Hostname: "h1", Platform: { OS: "linux", Architecture: "x86_64" }, Resources: { NanoCPUs: 1e9, MemoryBytes: 2 ** 30 },
        Engine: { EngineVersion: "27.0.1", Labels: {} },
        TLSInfo: { TrustRoot: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", CertIssuerSubject: "MBMx", CertIssuerPublicKey: "MFkw" } },
      Certificate: { Serial: "0a", Fingerprint: "ff", NotBefore: "2026-12-01T00:00:00.000Z", NotAfter: "2027-03-01T00:00:00.000Z" },
    }));
    for (const line of ["TLS Info:\n TrustRoot:\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", " Issuer Subject:\tMBMx",
      " Issuer Public Key:\tMFkw", " Certificate Expiry:\t2027-03-01T00:00:00.000Z"]) {
      assert.ok(text.includes(line), `has ${JSON.stringify(line)}`);
    }
    assert.equal(prettyNode(node("b", "n2")).includes("TLS Info"), false, "none without a recorded certificate");
  });

  it("update flags: availability, role, labels; bad values name their flag", () => {
    const spec = { Name: "n", Role: "worker" as const, Availability: "active" as const, Labels: { old: "1", keep: "2" } };
    assert.deepEqual(applyNodeFlags(spec, { availability: "drain", role: "manager", labelAdd: ["zone=a", "flag"], labelRm: ["old"] }),
      { Name: "n", Role: "manager", Availability: "drain", Labels: { keep: "2", zone: "a", flag: "" } });
    assert.deepEqual(spec.Labels, { old: "1", keep: "2" }, "input not mutated");
    assert.throws(() => applyNodeFlags(spec, { availability: "off", labelAdd: [], labelRm: [] }), /"--availability" flag/);
    assert.throws(() => applyNodeFlags(spec, { role: "boss", labelAdd: [], labelRm: [] }), /"--role" flag/);
    assert.throws(() => applyNodeFlags(spec, { labelAdd: [], labelRm: ["nope"] }), /key nope doesn't exist in node's labels/);
  });

  it("current node: SWARM_NODE_ID, else node.json of the data dir, else unknown", () => {
    const dir = mkdtempSync(join(tmpdir(), "jetswarm-nodeid-"));
    try {
      assert.equal(currentNodeId({ SWARM_NODE_ID: "x1", SWARM_DATA_DIR: dir }), "x1");
      assert.equal(currentNodeId({ SWARM_DATA_DIR: dir }), undefined);
      writeFileSync(join(dir, "node.json"), JSON.stringify({ nodeId: "fromfile", clusterId: "c" }));
      assert.equal(currentNodeId({ SWARM_DATA_DIR: dir }), "fromfile");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("node inspect --pretty: docker's template line by line", () => {
  it("prints ID, Name, Hostname and docker's `Joined at` (Go's time.Time text), manager status and resources", () => {
    const text = prettyNode({
      ID: "a", Version: { Index: 1 }, CreatedAt: "2026-12-07T06:10:02.120Z", UpdatedAt: "2026-12-07T06:10:02.120Z",
      Spec: { Name: "n1", Role: "manager", Availability: "active", Labels: {} },
      Status: { State: "ready", Addr: "10.0.0.2" }, ManagerStatus: { Leader: false, Reachability: "reachable", Addr: "10.0.0.2:4242" },
      Description: { Hostname: "h1", Platform: { OS: "linux", Architecture: "x86_64" }, Resources: { NanoCPUs: 2.5e9, MemoryBytes: 2 ** 31 },
        Engine: { EngineVersion: "27.0.1", Labels: {} } },
    });
    // Written from docker 28's nodeInspectPrettyTemplate (tabs and the spaces before them are docker's).
    assert.equal(text, [
      "ID:\t\t\ta", "Name:\t\t\tn1", "Hostname:              \th1", "Joined at:             \t2026-12-07 06:10:02.12 +0000 UTC",
      "Status:", " State:\t\t\tReady", " Availability:         \tActive", " Address:\t\t10.0.0.2",
      "Manager Status:", " Address:\t\t10.0.0.2:4242", " Raft Status:\t\tReachable", " Leader:\t\tNo",
      "Platform:", " Operating System:\tlinux", " Architecture:\t\tx86_64", "Resources:", " CPUs:\t\t\t2", " Memory:\t\t2GiB",
      "Engine Version:\t\t27.0.1",
    ].join("\n"));
  });
  it("Go's time.Time text: whole seconds without a fraction, trailing zeros dropped, offsets kept", () => {
    assert.deepEqual([goTimeString("2026-01-02T03:04:05Z"), goTimeString("2026-01-02T03:04:05.500000000Z"), goTimeString("2026-01-02T03:04:05+01:00")],
      ["2026-01-02 03:04:05 +0000 UTC", "2026-01-02 03:04:05.5 +0000 UTC", "2026-01-02 03:04:05 +0100 +0100"]);
  });
});
