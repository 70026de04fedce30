import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCluster } from "../dist/deploy/launcher/local-cluster.js";
import { freePort } from "../dist/deploy/launcher/nats-server.js";
import { requestApi } from "../dist/cli/http-request.js";
import { containersOfNode, removeNodeNetworks, unmountUnder } from "../dist/test/helpers/cluster.js";
import Docker from "dockerode";
const docker = new Docker();
const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-dbg-"));
const c = await startLocalCluster({ dataDir: join(dataDir, "cluster"), natsPort: await freePort(), apiPort: await freePort(), nodeName: "dbg" });
const call = async (m, p, b) => { const r = await requestApi(c.socketUrl, p, { method: m, ...(b ? { headers: { "content-type": "application/json" }, body: JSON.stringify(b) } : {}) }); const t = await r.text(); return [r.status, t]; };
try {
  const [st, body] = await call("POST", "/networks/create", { Name: "x_default", Driver: "overlay", Labels: { a: "b" } });
  console.log(st, body);
  const id = JSON.parse(body).Id;
  console.log(await call("POST", "/services/create", { Name: "x_s0", Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image: "jetswarm-test/busybox:1", Command: ["sleep", "100"] }, Networks: [{ Target: id }] } }));
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT ?? 20000)));
  console.log((await call("GET", "/tasks"))[1].slice(0, 1500));
  console.log((await call("GET", `/networks/${id}`))[1]);
  const logs = join(dataDir, "cluster", "logs");
  for (const f of readdirSync(logs)) if (/agent|alloc/.test(f)) console.log(f, readFileSync(join(logs, f), "utf8").split("\n").filter((l) => /network|warn|error/i.test(l)).slice(-30).join("\n"));
} finally {
  await c.stop();
  for (const x of await containersOfNode(c.nodeId)) await docker.getContainer(x.Id).remove({ force: true }).catch(() => {});
  await removeNodeNetworks(c.nodeId);
  await unmountUnder(dataDir);
}
