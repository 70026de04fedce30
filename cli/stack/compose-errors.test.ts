import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStack } from "./compose.js";
import { ComposeError } from "./objects.js";

/*
 * Every bad compose file gives one ComposeError naming the file, the line and the key, and the
 * message says what is wrong: table-driven, one small file per case.
 */

const dir = mkdtempSync(join(tmpdir(), "compose-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "secret.txt"), "s3cret");

interface Case { name: string; yaml: string[]; line: number | undefined; key: string; message: RegExp; env?: Record<string, string> }

const svc = (...lines: string[]): string[] => ["services:", "  web:", "    image: nginx:1", ...lines];

const CASES: Case[] = [
  { name: "a replica count that is not an integer", yaml: svc("    deploy:", "      replicas: lots"), line: 5, key: "services.web.deploy.replicas", message: /must be an integer/ },
  { name: "an unknown top-level key", yaml: ["services: {}", "servics: {}"], line: 2, key: "servics", message: /unsupported key/ },
  { name: "an unknown service key", yaml: svc("    restart_policy: always"), line: 4, key: "services.web.restart_policy", message: /unsupported key/ },
  { name: "a mapping where a list belongs", yaml: svc("    dns_search: { a: b }"), line: 4, key: "services.web.dns_search", message: /must be a string or list/ },
  { name: "a bad duration", yaml: svc("    stop_grace_period: 10 seconds"), line: 4, key: "services.web.stop_grace_period", message: /must be a valid duration/ },
  { name: "a bad short port", yaml: svc("    ports:", "      - 'eighty'"), line: 5, key: "services.web.ports[0]", message: /./ },
  { name: "a bad mode", yaml: svc("    deploy:", "      mode: everywhere"), line: 5, key: "services.web.deploy.mode", message: /unknown mode: everywhere/ },
  { name: "replicas with global", yaml: svc("    deploy:", "      mode: global", "      replicas: 2"), line: 6, key: "services.web.deploy.replicas", message: /replicas can only be used with replicated or replicated-job mode/ },
  { name: "a required variable unset", yaml: svc("    environment:", "      - TOKEN=${TOKEN:?set TOKEN}"), line: 5, key: "services.web.environment[0]", message: /required variable TOKEN is missing a value: set TOKEN/ },
  { name: "an invalid interpolation", yaml: svc("    command: echo 5$"), line: 4, key: "services.web.command", message: /invalid interpolation format/ },
  { name: "invalid YAML", yaml: ["services:", "  web:", "    image: [unclosed"], line: 3, key: "", message: /invalid YAML/ },
  { name: "a duplicate key", yaml: ["services:", "  web:", "    image: a", "    image: b"], line: 4, key: "", message: /invalid YAML/ },
  { name: "a top level that is a list", yaml: ["- a", "- b"], line: 1, key: "", message: /top-level object must be a mapping/ },
  { name: "no image", yaml: ["services:", "  web:", "    command: [x]"], line: 2, key: "services.web.image", message: /no image specified/ },
  { name: "a bad image reference", yaml: ["services:", "  web:", "    image: Nginx:Latest"], line: 3, key: "services.web.image", message: /invalid image reference for service web/ },
  { name: "an undefined network", yaml: svc("    networks: [nope]"), line: 4, key: "services.web.networks.nope", message: /undefined network "nope"/ },
  { name: "an undefined secret", yaml: svc("    secrets: [nope]"), line: 4, key: "services.web.secrets[0]", message: /undefined secret "nope"/ },
  { name: "an undefined config", yaml: svc("    configs:", "      - source: nope"), line: 5, key: "services.web.configs[0]", message: /undefined config "nope"/ },
  { name: "an undefined volume", yaml: svc("    volumes: ['nope:/data']"), line: 4, key: "services.web.volumes[0].source", message: /undefined volume "nope"/ },
  { name: "a volume type jetswarm has no engine support for", yaml: svc("    volumes:", "      - type: npipe", "        source: x", "        target: /x"), line: 5, key: "services.web.volumes[0].type", message: /npipe is not supported/ },
  { name: "stdin_open (no field for it)", yaml: svc("    stdin_open: true"), line: 4, key: "services.web.stdin_open", message: /open stdin is not supported/ },
  { name: "isolation (Windows only)", yaml: svc("    isolation: hyperv"), line: 4, key: "services.web.isolation", message: /Windows option/ },
  { name: "generic resources", yaml: svc("    deploy:", "      resources:", "        reservations:", "          generic_resources:", "            - discrete_resource_spec: { kind: gpu, value: 1 }"), line: 7, key: "services.web.deploy.resources.reservations.generic_resources", message: /generic resources are not supported/ },
  { name: "a static network address", yaml: [...svc("    networks:", "      n:", "        ipv4_address: 10.0.0.9"), "networks:", "  n: {}"], line: 6, key: "services.web.networks.n.ipv4_address", message: /static addresses are not supported/ },
  { name: "a forbidden key docker refuses", yaml: svc("    volumes_from: [other]"), line: 4, key: "services.web.volumes_from", message: /define it using the top-level `volumes` option/ },
  { name: "test and disable together", yaml: svc("    healthcheck:", "      test: [CMD, 'true']", "      disable: true"), line: 4, key: "services.web.healthcheck", message: /test and disable can't be set at the same time/ },
  { name: "a failure action swarm does not know", yaml: svc("    deploy:", "      update_config:", "        failure_action: retry"), line: 2, key: "services.web", message: /FailureAction/ },
  { name: "a template driver", yaml: ["services: {}", "configs:", "  c:", "    file: ./secret.txt", "    template_driver: golang"], line: 5, key: "configs.c.template_driver", message: /template drivers are not supported/ },
  { name: "a secret file that is not there", yaml: ["services: {}", "secrets:", "  s:", "    file: ./missing.txt"], line: 4, key: "secrets.s.file", message: /cannot read .*missing\.txt: ENOENT/ },
  { name: "an unsupported version", yaml: ["version: '2.4'", "services: {}"], line: 1, key: "version", message: /unsupported Compose file version: 2\.4/ },
  { name: "external with a name twice", yaml: ["services: {}", "networks:", "  n:", "    name: a", "    external: { name: b }"], line: 5, key: "networks.n.external.name", message: /network\.external\.name and network\.name conflict/ },
];

describe("compose errors name the file, the line and the key", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const file = join(dir, `${c.name.replace(/[^a-z0-9]+/gi, "-")}.yml`);
      writeFileSync(file, `${c.yaml.join("\n")}\n`);
      await assert.rejects(loadStack({ files: [file], namespace: "app", env: c.env ?? {} }), (e: unknown) => {
        assert.ok(e instanceof ComposeError, `not a ComposeError: ${String(e)}`);
        assert.equal(e.file, file);
        assert.equal(e.key, c.key, e.message);
        assert.equal(e.line, c.line, e.message);
        assert.match(e.message, c.message);
        assert.ok(e.message.startsWith(`${file}${c.line === undefined ? "" : `:${c.line}`}: `), e.message);
        return true;
      });
    });
  }

  it("the message reads as the issue asks: `compose.yml:12: services.web.deploy.replicas: must be an integer`", async () => {
    const file = join(dir, "compose.yml");
    writeFileSync(file, `${svc("    deploy:", "      replicas: 1.5").join("\n")}\n`);
    await assert.rejects(loadStack({ files: [file], namespace: "app", env: {} }), { message: `${file}:5: services.web.deploy.replicas: must be an integer` });
  });

  it("keys docker ignores are warnings, not errors", async () => {
    const file = join(dir, "warn.yml");
    writeFileSync(file, `${svc("    privileged: true", "    container_name: w", "    depends_on: [db]", "    build: .", "    ports: ['127.0.0.1:8080:80']").join("\n")}\n  db:\n    image: postgres:16\n`);
    const s = await loadStack({ files: [file], namespace: "app", env: {} });
    assert.deepEqual(s.warnings, [
      "Ignoring unsupported options: build, privileged",
      "Ignoring deprecated options: container_name: Setting the container name is not supported.",
      "Ignoring depends_on: services start together in a stack (docker stack deploy ignores depends_on)",
      "ignoring IP-address (127.0.0.1:8080:80): the service will listen on '0.0.0.0'",
    ]);
  });
});
