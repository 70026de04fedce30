import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parsePortSpec } from "./ports.js";
import { parseBytes, parseCpus, parseGoDuration } from "./units.js";
import { splitShellWords } from "./shell-words.js";
import { parseVolumeSpec } from "./volume-spec.js";
import { taggedImage } from "./image-ref.js";
import { parseDotEnv, parseEnvFile } from "./env-file.js";

describe("short port syntax (nat.ParsePortSpec + ConvertPortToPortConfig)", () => {
  const ing = (t: number, p: number, proto = "tcp") => ({ Protocol: proto, TargetPort: t, PublishedPort: p, PublishMode: "ingress" });
  const cases: [string | number, unknown][] = [
    [80, [ing(80, 0)]],
    ["8080:80", [ing(80, 8080)]],
    ["53:53/udp", [ing(53, 53, "udp")]],
    ["9000-9001:90-91", [ing(90, 9000), ing(91, 9001)]],
    ["8000-8001:80", [ing(80, 8000), ing(80, 8001)]],
    ["127.0.0.1:8080:80", [ing(80, 8080)]],
    ["[::1]:8080:80", [ing(80, 8080)]],
  ];
  for (const [spec, want] of cases) it(String(spec), () => assert.deepEqual(parsePortSpec(spec).ports, want));
  it("a host IP is reported as ignored", () => assert.equal(parsePortSpec("127.0.0.1:8080:80").ignoredIp, "127.0.0.1"));
  for (const bad of ["", "x", "80/icmp", "70000", "1:2:3:4", "80-81:90-92"]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parsePortSpec(bad)));
  }
});

describe("units", () => {
  it("Go durations", () => {
    assert.equal(parseGoDuration("1m30s"), 90e9);
    assert.equal(parseGoDuration("1.5s"), 1.5e9);
    assert.equal(parseGoDuration("250ms"), 250e6);
    assert.equal(parseGoDuration("0"), 0);
    for (const bad of ["", "10", "1 s", "1x", "s"]) assert.equal(parseGoDuration(bad), undefined, bad);
  });
  it("sizes (binary, suffixes optional)", () => {
    assert.equal(parseBytes("256M"), 256 * 1024 ** 2);
    assert.equal(parseBytes("1.5g"), 1.5 * 1024 ** 3);
    assert.equal(parseBytes("512kb"), 512 * 1024);
    assert.equal(parseBytes("64MiB"), 64 * 1024 ** 2);
    assert.equal(parseBytes(1000), 1000);
    assert.equal(parseBytes("lots"), undefined);
  });
  it("CPUs as nano-CPUs", () => {
    assert.equal(parseCpus("0.5"), 5e8);
    assert.equal(parseCpus("2"), 2e9);
    assert.equal(parseCpus("0.0000000001"), undefined);
    assert.equal(parseCpus("half"), undefined);
  });
});

describe("command words (shlex)", () => {
  const cases: [string, string[]][] = [
    ["echo hi", ["echo", "hi"]],
    [`sh -c 'echo "a b"; exit 1'`, ["sh", "-c", `echo "a b"; exit 1`]],
    [`a "b c" d\\ e`, ["a", "b c", "d e"]],
    [`x "" y`, ["x", "", "y"]],
    ["a # comment", ["a"]],
  ];
  for (const [s, want] of cases) it(s, () => assert.deepEqual(splitShellWords(s), want));
  it("an unclosed quote is an error", () => assert.throws(() => splitShellWords(`echo "oops`), /closing quote/));
});

describe("short volume syntax", () => {
  it("named, bind, anonymous, modes", () => {
    assert.deepEqual(parseVolumeSpec("data:/d"), { type: "volume", source: "data", target: "/d" });
    assert.deepEqual(parseVolumeSpec("./here:/d:ro"), { type: "bind", source: "./here", target: "/d", read_only: true });
    assert.deepEqual(parseVolumeSpec("/abs:/d:rshared"), { type: "bind", source: "/abs", target: "/d", bind: { propagation: "rshared" } });
    assert.deepEqual(parseVolumeSpec("/anon"), { type: "volume", target: "/anon" });
    assert.deepEqual(parseVolumeSpec("v:/d:nocopy"), { type: "volume", source: "v", target: "/d", volume: { nocopy: true } });
    assert.throws(() => parseVolumeSpec("v:/d:bogus"), /unknown option/);
  });
});

describe("image references as docker's client sends them", () => {
  const cases: [string, string][] = [
    ["nginx", "nginx:latest"],
    ["nginx:1.25", "nginx:1.25"],
    ["docker.io/library/nginx", "nginx:latest"],
    ["localhost:5000/team/app", "localhost:5000/team/app:latest"],
    [`busybox@sha256:${"a".repeat(64)}`, `busybox@sha256:${"a".repeat(64)}`],
  ];
  for (const [image, want] of cases) it(image, () => assert.equal(taggedImage(image), want));
  it("refuses upper case and spaces", () => {
    assert.throws(() => taggedImage("Nginx"), /invalid reference format/);
    assert.throws(() => taggedImage("a b"), /invalid reference format/);
  });
});

describe("env files", () => {
  it("env_file: values kept as written, bare keys from the environment or dropped", () => {
    assert.deepEqual(parseEnvFile("A=1\n  B=\"q\"\n# c\n\nC\nD\n", (k) => (k === "C" ? "c" : undefined)), [["A", "1"], ["B", "\"q\""], ["C", "c"]]);
    assert.throws(() => parseEnvFile("=x\n", () => undefined), /no variable name/);
  });
  it(".env: quotes removed, export allowed", () => {
    assert.deepEqual(parseDotEnv("export A=1\nB='two words'\nC=\"x\"\nD=v # note\n"), { A: "1", B: "two words", C: "x", D: "v" });
  });
});
