import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceSpec } from "./specs.js";
import { formatZodError } from "./zod-error.js";

const spec = (container: object) => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "i", ...container } } });
function error(container: object): string {
  const r = ServiceSpec.safeParse(spec(container));
  assert.equal(r.success, false);
  return formatZodError(r.error!);
}

describe("ContainerSpec: mounts and options (api edge)", () => {
  it("accepts Docker's shapes", () => {
    const ok = ServiceSpec.safeParse(spec({
      Mounts: [{ Type: "volume", Source: "v", Target: "/v", VolumeOptions: { NoCopy: true, DriverConfig: { Name: "local" } } },
        { Type: "bind", Source: "/a", Target: "/b", ReadOnly: true, BindOptions: { Propagation: "rslave" } },
        { Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1024, Mode: 0o700 } }],
      ReadOnly: true, Init: false, TTY: true, Groups: ["1"], Hosts: ["10.0.0.1 db"], DNSConfig: { Nameservers: ["1.1.1.1"] },
      CapabilityAdd: ["NET_ADMIN"], Sysctls: { a: "1" }, Ulimits: [{ Name: "nofile", Soft: 1, Hard: 2 }], OomScoreAdj: -10,
    }));
    assert.equal(ok.success, true, ok.success ? "" : formatZodError(ok.error));
  });
  it("refuses, naming the field: duplicate targets, options of another type, a bind without source, bad ranges", () => {
    assert.match(error({ Mounts: [{ Type: "volume", Target: "/x" }, { Type: "tmpfs", Target: "/x" }] }), /invalid duplicate mount point: \/x/);
    assert.match(error({ Mounts: [{ Type: "tmpfs", Target: "/x", BindOptions: {} }] }), /cannot mix 'bind-\*' options with mount type 'tmpfs'/);
    assert.match(error({ Mounts: [{ Type: "bind", Target: "/x" }] }), /source is required when specifying bind mounts/);
    assert.match(error({ OomScoreAdj: 1001 }), /OomScoreAdj: oom-score-adj: -1000 to 1000/);
    assert.match(error({ Hosts: ["db"] }), /Hosts\.0: must be "IP hostname"/);
    assert.match(error({ Mounts: [{ Type: "volume", Target: "/x", Colour: "red" }] }), /Colour: unknown field/);
  });
});
