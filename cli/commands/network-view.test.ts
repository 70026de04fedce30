import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Network } from "../../schemas/network-api.js";
import { renderFormat } from "../output/format.js";
import { renderInspect } from "../output/inspect-format.js";
import { renderTable } from "../output/table.js";
import { createRequest } from "./network.js";
import { networkFormatRow, networkRows, NETWORK_FORMAT_HEADERS, NETWORK_HEADERS, pruneReport } from "./network-view.js";

const net = (Name: string, Id: string, over: Partial<Network> = {}): Network => ({
  Name, Id, Created: "2026-01-01T00:00:00Z", Scope: "swarm", Driver: "overlay", EnableIPv6: false,
  IPAM: { Driver: "default", Options: null, Config: [{ Subnet: "10.0.1.0/24", Gateway: "10.0.1.1" }] }, Internal: false, Attachable: false,
  Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {}, ...over,
});

describe("network output", () => {
  it("ls: docker's columns, sorted by name, ids cut to 12 unless --no-trunc", () => {
    const nets = [net("web10", "bbbbbbbbbbbbbbbbbbbbbbbbb"), net("ingress", "aaaaaaaaaaaaaaaaaaaaaaaaa", { Ingress: true }), net("web9", "ccccccccccccccccccccccccc")];
    assert.equal(renderTable(Object.values(NETWORK_HEADERS), networkRows(nets)),
      "NETWORK ID     NAME      DRIVER    SCOPE\n" +
      "aaaaaaaaaaaa   ingress   overlay   swarm\n" +
      "cccccccccccc   web9      overlay   swarm\n" +
      "bbbbbbbbbbbb   web10     overlay   swarm\n");
    assert.equal(networkRows(nets, true)[0]![0], "aaaaaaaaaaaaaaaaaaaaaaaaa");
    assert.equal(renderFormat("{{.Name}} {{.Label \"tier\"}} {{.Internal}}", [networkFormatRow(net("a", "1", { Labels: { tier: "db" } }))], NETWORK_FORMAT_HEADERS), "a db false\n");
  });

  it("inspect -f reads paths of the network and prints JSON on request", () => {
    const n = net("a", "1", { Options: { "com.docker.network.driver.overlay.vxlanid_list": "4097" } });
    assert.equal(renderInspect("{{.Name}} {{.Ingress}} {{json .IPAM.Config}}", [n]), `a false [{"Subnet":"10.0.1.0/24","Gateway":"10.0.1.1"}]\n`);
    assert.equal(renderInspect(`{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}`, [n, n]), "4097\n4097\n");
    // docker runs inspect templates on the JSON with missingkey=error.
    assert.throws(() => renderInspect("{{.IPAM.Nope}}", [n]), { message: `template parsing error: template: :1:2: executing "" at <.IPAM.Nope>: map has no entry for key "Nope"` });
    assert.equal(renderInspect("json", [n]), JSON.stringify([n]) + "\n");
  });

  it("prune reports the names as docker does; nothing when nothing went", () => {
    assert.equal(pruneReport(["a", "b"]), "Deleted Networks:\na\nb\n\n");
    assert.equal(pruneReport([]), "");
  });

  it("create flags become Docker's request; a gateway needs a subnet", () => {
    const o = { driver: "overlay", label: ["a=1"], opt: ["com.docker.network.driver.mtu=1400"], attachable: true, subnet: "10.9.0.0/24", gateway: "10.9.0.254" };
    assert.deepEqual(createRequest("n", o), {
      Name: "n", CheckDuplicate: true, Driver: "overlay", IPAM: { Config: [{ Subnet: "10.9.0.0/24", Gateway: "10.9.0.254" }] },
      Attachable: true, Options: { "com.docker.network.driver.mtu": "1400" }, Labels: { a: "1" },
    });
    assert.throws(() => createRequest("n", { driver: "overlay", label: [], opt: [], gateway: "10.0.0.1" }), { message: "every ip-range or gateway must have a corresponding subnet" });
  });
});
