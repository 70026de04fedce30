import type { Network } from "../../schemas/network-api.js";
import { GO_TYPE, type GoStruct } from "../output/template.js";
import { shortId } from "../output/table.js";

/* `network ls` rows and `--format` fields (docker/cli's network formatter), pure. */

export const NETWORK_HEADERS = { ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE" } as const;
export const NETWORK_FORMAT_HEADERS = { ...NETWORK_HEADERS, IPv6: "IPV6", Internal: "INTERNAL", Labels: "LABELS", CreatedAt: "CREATED AT" };

/** docker sorts networks by name. */
export function sortNetworks(networks: Network[]): Network[] {
  return [...networks].sort((a, b) => a.Name.localeCompare(b.Name, undefined, { numeric: true }));
}

export function networkRows(networks: Network[], noTrunc = false): string[][] {
  return sortNetworks(networks).map((n) => [shortId(n.Id, noTrunc), n.Name, n.Driver, n.Scope]);
}

/** docker's network row context (`{{.ID}}`, `{{.Name}}`, …, `{{.Label "k"}}`). */
export function networkFormatRow(n: Network, noTrunc = false): GoStruct {
  const labels = n.Labels;
  return {
    [GO_TYPE]: "*network.networkContext",
    ID: shortId(n.Id, noTrunc), Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv6: String(n.EnableIPv6), Internal: String(n.Internal),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","), Label: (k: string) => labels[k] ?? "", CreatedAt: n.Created,
  };
}

/** docker's prune prompt and report. */
export const PRUNE_WARNING = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ";

export function pruneReport(deleted: string[]): string {
  return deleted.length ? `Deleted Networks:\n${deleted.map((n) => `${n}\n`).join("")}\n` : "";
}
