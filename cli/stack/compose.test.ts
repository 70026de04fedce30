import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadStack } from "./compose.js";
import { ComposeError, type StackObjects } from "./objects.js";

const FIXTURES = fileURLToPath(new URL("../../../cli/stack/fixtures/full/", import.meta.url));
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A temp directory holding `files` (path → text); returns its path. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "compose-"));
  dirs.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

async function load(files: Record<string, string>, names: string[] = ["compose.yml"], env: Record<string, string> = {}): Promise<StackObjects> {
  const dir = tree(files);
  return loadStack({ files: names.map((n) => join(dir, n)), namespace: "app", env });
}

const spec = (s: StackObjects, name: string) => {
  const found = s.services.find((x) => x.name === `app_${name}`);
  assert.ok(found, `service app_${name}`);
  return found.spec;
};

describe("loadStack over a realistic stack", () => {
  it("names, labels and converts every service as docker does", async () => {
    const s = await loadStack({ files: [join(FIXTURES, "compose.yml")], namespace: "app", env: { FROM_ENV: "e" } });
    assert.deepEqual(s.services.map((x) => x.name), ["app_agent", "app_migrate", "app_web", "app_worker"]);
    const web = spec(s, "web");
    assert.deepEqual(web.Labels, { "com.docker.stack.namespace": "app", "com.docker.stack.image": "nginx:1.25", "com.example.tier": "web" });
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Labels, { "com.docker.stack.namespace": "app", "com.example.role": "frontend" });
    assert.deepEqual(web.Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Env, ["FROM_ENV=e", "FROM_FILE=yes", "GREETING=hello $USER", "MODE=production"]);
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Secrets?.map((r) => [r.SecretName, r.File?.Name, r.File?.Mode]),
      [["app_site_key", "site_key", 0o444], ["prod_api_token", "token", 0o400]]);
    assert.deepEqual(web.TaskTemplate.Networks?.map((n) => n.Target), ["app_front", "shared-back"]);
    assert.deepEqual(spec(s, "worker").Mode, { Global: {} });
    assert.deepEqual(spec(s, "migrate").Mode, { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 2 } });
    assert.deepEqual(spec(s, "migrate").TaskTemplate.RestartPolicy, { Condition: "on-failure", MaxAttempts: 2 });
    assert.deepEqual(spec(s, "agent").Mode, { GlobalJob: {} });
    assert.deepEqual(s.networks.map((n) => [n.name, n.external]), [["app_default", false], ["app_front", false], ["shared-back", true]]);
    assert.deepEqual(s.secrets.map((o) => [o.name, o.external, o.create?.Data]),
      [["app_site_key", false, Buffer.from("not really a key\n").toString("base64")], ["prod_api_token", true, undefined]]);
    assert.deepEqual(s.configs.map((o) => o.name), ["app_nginx_conf"]);
    assert.deepEqual(s.warnings, ["Ignoring unsupported options: restart"]);
  });

  it("a service without networks gets <stack>_default, created as an overlay with the namespace label", async () => {
    const s = await load({ "compose.yml": "services:\n  a:\n    image: busybox\n" });
    assert.deepEqual(spec(s, "a").TaskTemplate.Networks, [{ Target: "app_default", Aliases: ["a"] }]);
    assert.deepEqual(spec(s, "a").TaskTemplate.ContainerSpec.Image, "busybox:latest");
    assert.deepEqual(s.networks, [{ name: "app_default", external: false, create: { Name: "app_default", Driver: "overlay", Labels: { "com.docker.stack.namespace": "app" } } }]);
  });
});

describe("networks, volumes, secrets and configs", () => {
  it("labels as a list and numeric driver options become string mappings", async () => {
    const s = await load({ "compose.yml": [
      "services:",
      "  a:",
      "    image: busybox",
      "    networks:",
      "      n: { driver_opts: { mtu: 1400 }, aliases: [alias] }",
      "    volumes: [v:/v]",
      "networks:",
      "  n:",
      "    labels: [team=core]",
      "    driver_opts: { com.docker.network.driver.mtu: 1400 }",
      "volumes:",
      "  v:",
      "    name: shared-data",
      "    labels: [keep=yes]",
    ].join("\n") });
    const a = spec(s, "a");
    assert.deepEqual(a.TaskTemplate.Networks, [{ Target: "app_n", Aliases: ["alias", "a"], DriverOpts: { mtu: "1400" } }]);
    assert.deepEqual(s.networks[0]?.create?.Labels, { team: "core", "com.docker.stack.namespace": "app" });
    assert.deepEqual(s.networks[0]?.create?.Options, { "com.docker.network.driver.mtu": "1400" });
    assert.deepEqual(a.TaskTemplate.ContainerSpec.Mounts, [{ Type: "volume", Source: "shared-data", Target: "/v",
      VolumeOptions: { Labels: { keep: "yes", "com.docker.stack.namespace": "app" } } }]);
  });
});

describe("several -c files", () => {
  const base = [
    "services:",
    "  web:",
    "    image: nginx:1",
    "    command: [a, b]",
    "    environment: { A: '1', B: '2' }",
    "    ports: ['80:80', '443:443']",
    "    cap_add: [NET_ADMIN]",
    "    deploy: { replicas: 2, labels: { x: '1' } }",
    "  db:",
    "    image: postgres:16",
  ].join("\n");
  const over = [
    "services:",
    "  web:",
    "    image: nginx:2",
    "    command: [c]",
    "    environment: [B=3, C=4]",
    "    ports: ['80:8080']",
    "    cap_add: [CHOWN]",
    "    deploy: { replicas: 5, labels: { y: '2' } }",
    "  cache:",
    "    image: redis:7",
  ].join("\n");

  it("later files override: scalars replaced, mappings merged, ports keyed by published port, lists appended", async () => {
    const s = await load({ "compose.yml": base, "override.yml": over }, ["compose.yml", "override.yml"]);
    const web = spec(s, "web");
    assert.equal(web.TaskTemplate.ContainerSpec.Image, "nginx:2");
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Args, ["c"]);
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Env, ["A=1", "B=3", "C=4"]);
    assert.deepEqual(web.EndpointSpec?.Ports?.map((p) => [p.PublishedPort, p.TargetPort]), [[80, 8080], [443, 443]]);
    assert.deepEqual(web.TaskTemplate.ContainerSpec.CapabilityAdd, ["CAP_CHOWN", "CAP_NET_ADMIN"]);
    assert.deepEqual(web.Mode, { Replicated: { Replicas: 5 } });
    assert.deepEqual(web.Labels, { x: "1", y: "2", "com.docker.stack.namespace": "app", "com.docker.stack.image": "nginx:2" });
    assert.deepEqual(s.services.map((x) => x.name), ["app_cache", "app_db", "app_web"]);
  });

  it("an error in the second file names the second file", async () => {
    await assert.rejects(load({ "compose.yml": base, "override.yml": "services:\n  web:\n    deploy:\n      replicas: many\n" }, ["compose.yml", "override.yml"]),
      (e: unknown) => e instanceof ComposeError && e.file.endsWith("override.yml") && e.line === 4 && e.key === "services.web.deploy.replicas");
  });

  it("files of different versions are refused, as docker refuses them", async () => {
    await assert.rejects(load({ "compose.yml": "version: '3.8'\nservices: {}\n", "o.yml": "version: '3.9'\nservices: {}\n" }, ["compose.yml", "o.yml"]),
      /o\.yml:1: version: version mismatched between two composefiles : 3\.8 and 3\.9/);
  });
});

describe("interpolation, .env and env_file", () => {
  it("interpolates from the environment, the .env beside the first file filling what it lacks", async () => {
    const s = await load({
      ".env": "TAG=from-dotenv\nREPLICAS=2\n# comment\nQUOTED=\"a b\"\n",
      "compose.yml": "services:\n  a:\n    image: busybox:${TAG}\n    environment:\n      - Q=${QUOTED}\n      - U=${UNSET:-fallback}\n    deploy:\n      replicas: ${REPLICAS}\n",
    }, ["compose.yml"], { REPLICAS: "4" });
    const a = spec(s, "a");
    assert.equal(a.TaskTemplate.ContainerSpec.Image, "busybox:from-dotenv");
    assert.deepEqual(a.Mode, { Replicated: { Replicas: 4 } });
    assert.deepEqual(a.TaskTemplate.ContainerSpec.Env, ["Q=a b", "U=fallback"]);
  });

  it("env_file is read relative to the compose file; environment: wins; a bare key takes the environment's value", async () => {
    const s = await load({
      "conf/a.env": "X=from-file\nY=from-file\nBARE\n",
      "compose.yml": "services:\n  a:\n    image: busybox\n    env_file: [conf/a.env]\n    environment: { Y: from-compose, Z: }\n",
    }, ["compose.yml"], { BARE: "b", Z: "z" });
    assert.deepEqual(spec(s, "a").TaskTemplate.ContainerSpec.Env, ["BARE=b", "X=from-file", "Y=from-compose", "Z=z"]);
  });

  it("a missing env_file is an error at its line", async () => {
    await assert.rejects(load({ "compose.yml": "services:\n  a:\n    image: busybox\n    env_file:\n      - nope.env\n" }),
      (e: unknown) => e instanceof ComposeError && e.line === 5 && e.key === "services.a.env_file[0]" && /nope\.env/.test(e.message));
  });
});

describe("extends", () => {
  it("same file: the base's keys, the service's own laid over them, chains resolved", async () => {
    const s = await load({ "compose.yml": [
      "services:",
      "  base:",
      "    image: busybox:1",
      "    environment: { A: '1', B: '1' }",
      "    deploy: { replicas: 2 }",
      "  mid:",
      "    extends: base",
      "    environment: { B: '2' }",
      "  top:",
      "    extends: { service: mid }",
      "    image: busybox:2",
      "    deploy: { replicas: 7 }",
      "    command: [sh]",
    ].join("\n") });
    assert.deepEqual(spec(s, "mid").TaskTemplate.ContainerSpec.Env, ["A=1", "B=2"]);
    assert.deepEqual(spec(s, "mid").Mode, { Replicated: { Replicas: 2 } });
    const top = spec(s, "top");
    assert.equal(top.TaskTemplate.ContainerSpec.Image, "busybox:2");
    assert.deepEqual(top.TaskTemplate.ContainerSpec.Env, ["A=1", "B=2"]);
    assert.deepEqual(top.TaskTemplate.ContainerSpec.Args, ["sh"]);
    assert.deepEqual(top.Mode, { Replicated: { Replicas: 7 } });
  });

  it("file: the base comes from another file, its relative paths read from there", async () => {
    const s = await load({
      "common/base.yml": "services:\n  tmpl:\n    image: busybox:1\n    env_file: [tmpl.env]\n    labels: [x=1]\n",
      "common/tmpl.env": "FROM_BASE=yes\n",
      "compose.yml": "services:\n  web:\n    extends:\n      file: common/base.yml\n      service: tmpl\n    labels: [y=2]\n",
    });
    const web = spec(s, "web");
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Env, ["FROM_BASE=yes"]);
    assert.deepEqual(web.TaskTemplate.ContainerSpec.Labels, { x: "1", y: "2", "com.docker.stack.namespace": "app" });
    assert.deepEqual(s.services.map((x) => x.name), ["app_web"]);
  });

  it("a cycle or a missing base is an error at the extends key", async () => {
    await assert.rejects(load({ "compose.yml": "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n" }),
      (e: unknown) => e instanceof ComposeError && /circular extends/.test(e.message) && /extends$/.test(e.key));
    await assert.rejects(load({ "compose.yml": "services:\n  a:\n    image: x\n    extends: nobody\n" }),
      (e: unknown) => e instanceof ComposeError && e.line === 4 && e.key === "services.a.extends" && /no service "nobody"/.test(e.message));
  });
});
