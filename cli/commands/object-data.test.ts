import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseLabels, readPayload } from "./object-data.js";

const stdin = (s: string | Buffer) => Readable.from(s.length ? [Buffer.from(s)] : []);

describe("secret/config payloads and labels", () => {
  it("reads a file or stdin; docker's words for a missing file, a directory, an empty payload, no file", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "payload-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "pw"), "s3cret\n");
    await writeFile(join(dir, "empty"), "");
    assert.equal((await readPayload("secret", join(dir, "pw"), stdin(""))).toString(), "s3cret\n");
    assert.equal((await readPayload("config", "-", stdin("a: 1"))).toString(), "a: 1");
    const missing = join(dir, "nofile");
    await assert.rejects(readPayload("secret", missing, stdin("")), { message: `error reading from ${missing}: open ${missing}: no such file or directory` });
    await assert.rejects(readPayload("secret", dir, stdin("")), { message: `error reading from ${dir}: read ${dir}: is a directory` });
    await assert.rejects(readPayload("secret", join(dir, "empty"), stdin("")), { message: `error reading from ${join(dir, "empty")}: data is empty` });
    await assert.rejects(readPayload("secret", "-", stdin("")), { message: "error reading from STDIN: data is empty" });
    await assert.rejects(readPayload("config", undefined, stdin("")), { message: "config file is required" });
    if (process.getuid?.() !== 0) {
      await chmod(join(dir, "pw"), 0o000);
      await assert.rejects(readPayload("secret", join(dir, "pw"), stdin("")), /permission denied/);
    }
  });

  it("reads at most twice the largest payload (the api refuses the size in Swarm's words)", async () => {
    const big = Buffer.alloc(3 * 500 * 1024, 7);
    assert.equal((await readPayload("secret", "-", stdin(big))).length, 2 * 500 * 1024);
  });

  it("labels: k=v, k alone is empty; an empty or blank key is refused", () => {
    assert.deepEqual(parseLabels(["a=1", "b", "c=x=y"]), { a: "1", b: "", c: "x=y" });
    assert.throws(() => parseLabels(["=v"]), { message: "invalid label '=v': empty name" });
    assert.throws(() => parseLabels(["a b=1"]), { message: "label 'a b' contains whitespaces" });
  });
});
