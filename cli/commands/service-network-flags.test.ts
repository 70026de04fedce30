import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceSpec } from "../../schemas/index.js";
import { applyCreateNetworkFlags, parseNetwork, updateNetworks, withNetworks } from "./service-network-flags.js";

const base = (): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "busybox" } } });

describe("--network / --network-add / --network-rm / --endpoint-mode", () => {
  it("parses the short and long forms in docker's words", () => {
    assert.deepEqual(parseNetwork("backend"), { Target: "backend" });
    assert.deepEqual(parseNetwork("name=backend,alias=db,alias=pg,driver-opt=com.docker.network.driver.mtu=1400"),
      { Target: "backend", Aliases: ["db", "pg"], DriverOpts: { "com.docker.network.driver.mtu": "1400" } });
    assert.throws(() => parseNetwork("alias=db"), { message: "network name/id is not specified" });
    assert.throws(() => parseNetwork("name=a,color=red"), { message: "invalid field key color" });
    assert.throws(() => parseNetwork("name=a,driver-opt=x"), { message: "invalid driver-opt 'x': expected key=value" });
  });

  it("create: networks and endpoint mode land in a spec the api accepts", () => {
    const spec = applyCreateNetworkFlags(base(), { network: ["a", "name=b,alias=x"], endpointMode: "dnsrr" });
    assert.deepEqual(spec.TaskTemplate.Networks, [{ Target: "a" }, { Target: "b", Aliases: ["x"] }]);
    assert.deepEqual(spec.EndpointSpec, { Mode: "dnsrr" });
    assert.ok(ServiceSpec.safeParse(spec).success);
    assert.deepEqual(applyCreateNetworkFlags(base(), { network: [] }), base(), "no flags: nothing added");
    assert.throws(() => applyCreateNetworkFlags(base(), { endpointMode: "rr" }), { message: `invalid argument "rr" for "--endpoint-mode" flag: expected one of vip, dnsrr` });
  });

  it("update: removes by id, adds, refuses a network the service is already on; keeps the ports' endpoint fields", () => {
    const current = [{ Target: "id-a" }, { Target: "id-b" }];
    assert.deepEqual(updateNetworks(current, [{ Target: "id-c", Aliases: ["c"] }], new Set(["id-a"])), [{ Target: "id-b" }, { Target: "id-c", Aliases: ["c"] }]);
    assert.equal(updateNetworks(current, [], new Set(["id-a", "id-b"])), undefined);
    assert.throws(() => updateNetworks(current, [{ Target: "id-b" }], new Set()), { message: "service is already attached to network id-b" });
    const withPorts: ServiceSpec = { ...base(), EndpointSpec: { Ports: [{ TargetPort: 80 }] } };
    assert.deepEqual(withNetworks(withPorts, undefined, "vip").EndpointSpec, { Ports: [{ TargetPort: 80 }], Mode: "vip" });
  });
});
