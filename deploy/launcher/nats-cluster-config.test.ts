import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clientUrls, consecutive, loopbackLayout, memberConfig } from "./nats-cluster-config.js";

describe("nats cluster config", () => {
  const layout = loopbackLayout(consecutive(4222, 3), consecutive(6222, 3), "/data/nats");

  it("gives each member a stable name, its own ports and its own store", () => {
    assert.deepEqual(layout.members.map((m) => [m.serverName, m.port, m.clusterPort, m.storeDir]), [
      ["jetswarm-1", 4222, 6222, "/data/nats/n1/jetstream"],
      ["jetswarm-2", 4223, 6223, "/data/nats/n2/jetstream"],
      ["jetswarm-3", 4224, 6224, "/data/nats/n3/jetstream"],
    ]);
  });

  it("routes every member to every member, in one named cluster", () => {
    const conf = memberConfig(layout, 1);
    assert.match(conf, /^server_name: "jetswarm-2"$/m);
    assert.match(conf, /^listen: "127\.0\.0\.1:4223"$/m);
    assert.match(conf, /^\s+listen: "127\.0\.0\.1:6223"$/m);
    assert.match(conf, /^\s+name: "jetswarm"$/m);
    assert.match(conf, /store_dir: "\/data\/nats\/n2\/jetstream"/);
    for (const p of [6222, 6223, 6224]) assert.match(conf, new RegExp(`"nats-route://127\\.0\\.0\\.1:${p}"`));
  });

  it("quotes paths, and lists every client URL for SWARM_NATS_URL", () => {
    const odd = loopbackLayout([1], [2], '/tmp/a "b"');
    assert.match(memberConfig(odd, 0), /store_dir: "\/tmp\/a \\"b\\"\/n1\/jetstream"/);
    assert.equal(clientUrls(layout), "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224");
    assert.throws(() => loopbackLayout([1, 2], [3], "/x"), /2 client ports but 1 route ports/);
  });
});
