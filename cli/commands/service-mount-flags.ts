import { Mount } from "../../schemas/container-options.js";
import { formatZodError } from "../../schemas/zod-error.js";
import { parseMemory } from "./service-placement-flags.js";

/*
 * `--mount` (create), `--mount-add` / `--mount-rm` (update), parsed as docker's cli/opts/mount.go
 * does: a CSV of key=value fields, type volume by default, errors in docker's words.
 */

type MountDraft = Mount & { VolumeOptions?: NonNullable<Mount["VolumeOptions"]> };

function parseBool(field: string, key: string, v: string | undefined): boolean {
  if (v === undefined) return true;
  const b = { true: true, "1": true, false: false, "0": false }[v.toLowerCase()];
  if (b === undefined) throw new Error(`invalid value for ${key}: ${v}`);
  return b;
}

function keyValue(field: string, v: string): [string, string] {
  const i = v.indexOf("=");
  if (i <= 0) throw new Error(`invalid value for ${field.split("=", 1)[0]}: ${v} (expected key=value)`);
  return [v.slice(0, i), v.slice(i + 1)];
}

const vol = (m: MountDraft) => (m.VolumeOptions ??= {});

/** Sets one `key[=value]` field on the draft; unknown keys are refused as docker refuses them. */
function setField(m: MountDraft, field: string): void {
  const i = field.indexOf("=");
  const key = (i < 0 ? field : field.slice(0, i)).trim().toLowerCase();
  const v = i < 0 ? undefined : field.slice(i + 1);
  if (v === undefined && key !== "readonly" && key !== "ro" && key !== "volume-nocopy") {
    throw new Error(`invalid field '${field}' must be a key=value pair`);
  }
  const val = v ?? "";
  switch (key) {
    case "type": m.Type = val as Mount["Type"]; break;
    case "source": case "src": m.Source = val; break;
    case "target": case "dst": case "destination": m.Target = val; break;
    case "readonly": case "ro": m.ReadOnly = parseBool(field, key, v); break;
    case "consistency": m.Consistency = val as Mount["Consistency"]; break;
    case "bind-propagation": m.BindOptions = { Propagation: val as "rprivate" }; break;
    case "volume-nocopy": vol(m).NoCopy = parseBool(field, key, v); break;
    case "volume-subpath": vol(m).Subpath = val; break;
    case "volume-driver": vol(m).DriverConfig = { ...vol(m).DriverConfig, Name: val }; break;
    case "volume-label": { const [k, x] = keyValue(field, val); vol(m).Labels = { ...vol(m).Labels, [k]: x }; break; }
    case "volume-opt": {
      const [k, x] = keyValue(field, val);
      const d = vol(m).DriverConfig ?? {};
      vol(m).DriverConfig = { ...d, Options: { ...d.Options, [k]: x } };
      break;
    }
    case "tmpfs-size": m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseMemory("--mount", val) }; break;
    case "tmpfs-mode": {
      if (!/^[0-7]{1,4}$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
      m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(val, 8) };
      break;
    }
    default: throw new Error(`unexpected key '${key}' in '${field}'`);
  }
}

/** `type=bind,source=/a,target=/b,readonly` → Docker's Mount; checked against the spec schema. */
export function parseMount(value: string): Mount {
  const draft = { Type: "volume", Target: "" } as MountDraft;
  for (const field of value.split(",")) if (field.trim()) setField(draft, field.trim());
  if (!draft.Target) throw new Error(`invalid argument "${value}" for "--mount" flag: target is required`);
  const r = Mount.safeParse(draft);
  if (!r.success) throw new Error(`invalid argument "${value}" for "--mount" flag: ${formatZodError(r.error)}`);
  return r.data;
}

/** `--mount-add` replaces a mount on the same target; `--mount-rm TARGET` drops it (docker's order: remove, then add). */
export function updateMounts(current: Mount[] | undefined, add: string[], rm: string[]): Mount[] | undefined {
  const added = add.map(parseMount);
  const drop = new Set([...rm, ...added.map((m) => m.Target)]);
  const out = [...(current ?? []).filter((m) => !drop.has(m.Target)), ...added];
  return out.length ? out : undefined;
}
