import type { DeliveredFiles, NodeTaskDoc, SecretKind } from "../../../schemas/index.js";

/*
 * The files a task's secret and config references put in its container (DESIGN §6), pure: where
 * each lands, with which owner and mode, and whether a delivery matches the references exactly.
 * Secrets land at `/run/secrets/<target>` (an absolute target as given), configs at `/<target>`;
 * the default target is the secret's or config's name; uid/gid 0, mode 0444 (Swarm's defaults).
 */

export interface WantedFile {
  kind: SecretKind;
  id: string;
  version?: number;
  /** Name of the file in the task's host directory (unique per task). */
  file: string;
  /** Absolute path in the container. */
  target: string;
  uid: number;
  gid: number;
  mode: number;
}

/** A wanted file with its payload (base64, as delivered). */
export interface PlannedFile extends WantedFile { data: string }

/** A bind mount of one host file, read-only, into the container. */
export interface FileMount { Type: "bind"; Source: string; Target: string; ReadOnly: true }

const DEFAULT_MODE = 0o444;

function targetOf(kind: SecretKind, name: string): string {
  if (name.startsWith("/")) return name;
  return kind === "secret" ? `/run/secrets/${name}` : `/${name}`;
}

/** The task's references in the order the secret-store delivers them: secrets, then configs. */
export function wantedFiles(doc: NodeTaskDoc): WantedFile[] {
  const c = doc.spec.ContainerSpec;
  const refs = [
    ...(c.Secrets ?? []).map((r) => ({ kind: "secret" as const, id: r.SecretID, name: r.SecretName, version: r.Version, f: r.File })),
    ...(c.Configs ?? []).map((r) => ({ kind: "config" as const, id: r.ConfigID, name: r.ConfigName, version: r.Version, f: r.File })),
  ];
  return refs.map((r, i) => ({
    kind: r.kind, id: r.id, ...(r.version !== undefined ? { version: r.version } : {}),
    file: `${r.kind}-${i}`,
    target: targetOf(r.kind, r.f?.Name ?? r.name),
    uid: Number(r.f?.UID ?? 0), gid: Number(r.f?.GID ?? 0), mode: r.f?.Mode ?? DEFAULT_MODE,
  }));
}

/** Whether the task needs a delivery before its container can be created. */
export function needsFiles(doc: NodeTaskDoc): boolean {
  return wantedFiles(doc).length > 0;
}

/**
 * Pairs a delivery with the references: one file per reference, same kind, id and version, in
 * order. Anything else is refused (a payload for another reference must never be mounted).
 */
export function planFiles(doc: NodeTaskDoc, delivered: DeliveredFiles): { ok: true; files: PlannedFile[] } | { ok: false; error: string } {
  const wanted = wantedFiles(doc);
  if (delivered.files.length !== wanted.length) {
    return { ok: false, error: `the secret-store delivered ${delivered.files.length} files for ${wanted.length} references` };
  }
  const files: PlannedFile[] = [];
  for (const [i, w] of wanted.entries()) {
    const d = delivered.files[i]!;
    if (d.kind !== w.kind || d.id !== w.id || (w.version !== undefined && d.version !== w.version)) {
      return { ok: false, error: `delivered ${d.kind} ${d.id} version ${d.version} does not match reference ${i + 1} (${w.kind} ${w.id} version ${w.version ?? "any"})` };
    }
    files.push({ ...w, data: d.data });
  }
  return { ok: true, files };
}

/** The container's read-only bind mounts of the task's files, from its host directory `dir`. */
export function fileMounts(dir: string, files: readonly WantedFile[]): FileMount[] {
  return files.map((f) => ({ Type: "bind", Source: `${dir}/${f.file}`, Target: f.target, ReadOnly: true }));
}

/** tmpfs size for the files: every file rounded up to whole pages, plus a little slack, bytes. */
export function tmpfsSize(sizes: readonly number[]): number {
  const page = 4096;
  return sizes.reduce((sum, n) => sum + Math.ceil(n / page) * page, 0) + 4 * page;
}
