import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseNodeAddr, routeSourceTo, type Interfaces } from "./node-addr.js";

const ifaces: Interfaces = {
  lo: [{ address: "127.0.0.1", family: "IPv4" }],
  eth0: [{ address: "fe80::1", family: "IPv6" }, { address: "192.0.2.7", family: "IPv4" }],
  v6only: [{ address: "fe80::2", family: "IPv6" }],
};

test("the data-path address wins, then the advertise address, then the route to the manager, then loopback", () => {
  const routed = "10.9.0.4";
  assert.equal(chooseNodeAddr({ dataPathAddr: "10.1.1.1", advertiseAddr: "10.2.2.2" }, ifaces, routed), "10.1.1.1");
  assert.equal(chooseNodeAddr({ advertiseAddr: "10.2.2.2" }, ifaces, routed), "10.2.2.2");
  assert.equal(chooseNodeAddr({}, ifaces, routed), routed);
  assert.equal(chooseNodeAddr({}, ifaces, undefined), "127.0.0.1");
});

test("an interface name gives its first IPv4 address; the advertise address's port is dropped", () => {
  assert.equal(chooseNodeAddr({ advertiseAddr: "eth0" }, ifaces, undefined), "192.0.2.7");
  assert.equal(chooseNodeAddr({ advertiseAddr: "eth0:2377" }, ifaces, undefined), "192.0.2.7");
  assert.equal(chooseNodeAddr({ advertiseAddr: "10.2.2.2:2377" }, ifaces, undefined), "10.2.2.2");
  assert.equal(chooseNodeAddr({ dataPathAddr: "eth0" }, ifaces, undefined), "192.0.2.7");
});

test("bad addresses are refused naming the flag and the value", () => {
  const cases: [Parameters<typeof chooseNodeAddr>[0], RegExp][] = [
    [{ advertiseAddr: "nope0" }, /invalid --advertise-addr "nope0": must be an IPv4 address or the name of an interface of this host \(eth0, lo, v6only\)/],
    [{ dataPathAddr: "v6only" }, /invalid --data-path-addr "v6only": interface v6only has no IPv4 address/],
    [{ dataPathAddr: "eth0:4789" }, /invalid --data-path-addr "eth0:4789": a port is not allowed/],
    [{ advertiseAddr: "10.2.2.2:99999" }, /invalid --advertise-addr "10.2.2.2:99999": port must be 1-65535/],
    [{ advertiseAddr: "10.2.2.300" }, /invalid --advertise-addr "10.2.2.300"/],
  ];
  for (const [flags, err] of cases) assert.throws(() => chooseNodeAddr(flags, ifaces, "10.9.0.4"), err, JSON.stringify(flags));
});

test("the route source toward loopback is loopback", async () => {
  assert.equal(await routeSourceTo("127.0.0.1"), "127.0.0.1");
});
