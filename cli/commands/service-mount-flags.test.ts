import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseMount, updateMounts } from "./service-mount-flags.js";

describe("--mount parsing (docker's cli/opts/mount.go)", () => {
  it("volume by default, with driver, options, labels, nocopy and subpath", () => {
    assert.deepEqual(parseMount("source=data,target=/data,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,volume-nocopy,volume-subpath=sub"), {
      Type: "volume", Source: "data", Target: "/data",
      VolumeOptions: { DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs" } }, Labels: { a: "b" }, NoCopy: true, Subpath: "sub" },
    });
  });
  it("bind with readonly and propagation; src/dst/ro aliases", () => {
    assert.deepEqual(parseMount("type=bind,src=/etc,dst=/host-etc,ro=true,bind-propagation=rslave"), {
      Type: "bind", Source: "/etc", Target: "/host-etc", ReadOnly: true, BindOptions: { Propagation: "rslave" },
    });
    assert.equal(parseMount("type=bind,source=/a,target=/b,readonly=false").ReadOnly, false);
  });
  it("tmpfs size (binary units) and octal mode", () => {
    assert.deepEqual(parseMount("type=tmpfs,target=/scratch,tmpfs-size=64m,tmpfs-mode=1770"), {
      Type: "tmpfs", Target: "/scratch", TmpfsOptions: { SizeBytes: 64 * 2 ** 20, Mode: 0o1770 },
    });
  });
  it("refuses what docker refuses, naming it", () => {
    const cases: [string, RegExp][] = [
      ["source=x", /target is required/],
      ["type=bind,target=/x", /source is required when specifying bind mounts/],
      ["type=tmpfs,source=x,target=/x", /source must not be specified for tmpfs mounts/],
      ["type=tmpfs,target=/x,volume-nocopy", /cannot mix 'volume-\*' options with mount type 'tmpfs'/],
      ["type=volume,target=/x,bind-propagation=rshared", /cannot mix 'bind-\*' options/],
      ["type=nfs,target=/x", /Type: must be volume, bind or tmpfs/],
      ["target=/x,colour=red", /unexpected key 'colour'/],
      ["target=/x,source", /invalid field 'source' must be a key=value pair/],
      ["target=/x,readonly=maybe", /invalid value for readonly: maybe/],
      ["type=tmpfs,target=/x,tmpfs-mode=999", /invalid value for tmpfs-mode/],
      ["type=bind,source=/a,target=/b,bind-propagation=sideways", /--mount/],
    ];
    for (const [v, re] of cases) assert.throws(() => parseMount(v), re, v);
  });
});

describe("--mount-add / --mount-rm", () => {
  const a = parseMount("source=a,target=/a");
  const b = parseMount("source=b,target=/b");
  it("rm by target; add replaces the mount on the same target", () => {
    assert.deepEqual(updateMounts([a, b], [], ["/a"]), [b]);
    assert.deepEqual(updateMounts([a, b], ["source=c,target=/a"], []), [b, { Type: "volume", Source: "c", Target: "/a" }]);
    assert.equal(updateMounts([a], [], ["/a"]), undefined);
  });
});
