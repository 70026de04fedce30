import { open } from "node:fs/promises";
import type { Readable } from "node:stream";

/*
 * The payload of `secret create|rotate` and `config create|rotate`: a file, or stdin for `-`, in
 * docker's words (`error reading from STDIN: data is empty`). As docker, at most twice the largest
 * payload is read (a guard against reading a huge file into memory; the api judges the size and
 * answers in Swarm's words).
 */

export type ObjectKind = "secret" | "config";

/** Swarm's bounds (strictly less than): 500 KiB for a secret, 1000 KiB for a config. */
export const MAX_PAYLOAD_BYTES: Readonly<Record<ObjectKind, number>> = { secret: 500 * 1024, config: 1000 * 1024 };

/** Go's wording of the usual open/read failures (`open x: no such file or directory`). */
function goError(err: unknown, file: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT": return `open ${file}: no such file or directory`;
    case "EACCES": return `open ${file}: permission denied`;
    case "EISDIR": return `read ${file}: is a directory`;
    default: return e.message ?? String(err);
  }
}

async function readLimited(chunks: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    const b = typeof c === "string" ? Buffer.from(c) : c;
    parts.push(b.subarray(0, Math.max(0, limit - size)));
    size += b.length;
    if (size >= limit) break;
  }
  return Buffer.concat(parts);
}

/** Reads the payload from `file` (`-`: `stdin`); docker's messages for a missing file or an empty payload. */
export async function readPayload(kind: ObjectKind, file: string | undefined, stdin: Readable): Promise<Buffer> {
  const limit = 2 * MAX_PAYLOAD_BYTES[kind];
  if (file === undefined || file === "") throw new Error(`${kind} file is required`);
  if (file === "-") {
    let data: Buffer;
    try { data = await readLimited(stdin, limit); } catch (err) { throw new Error(`error reading from STDIN: ${goError(err, "STDIN")}`); }
    if (data.length === 0) throw new Error("error reading from STDIN: data is empty");
    return data;
  }
  let data: Buffer;
  try {
    const handle = await open(file, "r");
    try { data = await readLimited(handle.createReadStream({ autoClose: false }), limit); } finally { await handle.close(); }
  } catch (err) {
    throw new Error(`error reading from ${file}: ${goError(err, file)}`);
  }
  if (data.length === 0) throw new Error(`error reading from ${file}: data is empty`);
  return data;
}

/** docker's `--label k=v` (`k` alone is an empty value); an empty or blank key is refused. */
export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    const key = (i < 0 ? item : item.slice(0, i)).trim();
    if (key === "") throw new Error(`invalid label '${item}': empty name`);
    if (/\s/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
    out[key] = i < 0 ? "" : item.slice(i + 1);
  }
  return out;
}
