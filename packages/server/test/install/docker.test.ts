import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/server.js";
import { answersWithin, run } from "./helpers.js";

const root = resolve(import.meta.dirname, "../../../..");
const NGINX = "/usr/sbin/nginx";

/** `docker info` answers only when an engine runs (the CLI alone is not enough). */
const engine = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 20_000 }).status === 0;
const NO_ENGINE = "skipped: `docker info` failed, no container engine is running";
if (!engine) console.info(`docker.test.ts: building and running the image is ${NO_ENGINE}`);

describe("the container image (Dockerfile)", () => {
  const tag = `frontdesk-test:${randomBytes(4).toString("hex")}`;
  let container: string | undefined;

  afterAll(async () => {
    if (!engine) return;
    if (container) await run("docker", ["rm", "-f", container], { cwd: root }).catch(() => undefined);
    await run("docker", ["rmi", "-f", tag], { cwd: root }).catch(() => undefined);
  });

  it.skipIf(!engine)(
    `builds, runs as a non-root user, answers /healthz, reports healthy and stops on SIGTERM${engine ? "" : ` (${NO_ENGINE})`}`,
    async () => {
      await run("docker", ["build", "-t", tag, "."], { cwd: root, timeoutMs: 900_000 });
      container = (
        await run(
          "docker",
          [
            "run",
            "-d",
            "-p",
            "127.0.0.1::3000",
            "--health-interval",
            "1s",
            "--health-start-period",
            "1s",
            tag,
          ],
          { cwd: root },
        )
      ).stdout.trim();
      const published = (await run("docker", ["port", container, "3000/tcp"], { cwd: root })).stdout
        .trim()
        .split("\n")[0] as string;
      const url = `http://${published}`;
      expect(await answersWithin(`${url}/healthz`, 60_000)).toBe(true);
      expect((await run("docker", ["exec", container, "id", "-u"], { cwd: root })).stdout.trim()).not.toBe(
        "0",
      );
      const client = await run(
        "docker",
        [
          "exec",
          container,
          "frontdesk",
          "client",
          "create",
          "--name",
          "probe",
          "--grant-types",
          "client_credentials",
          "--scopes",
          "probe:read",
          "--json",
        ],
        { cwd: root },
      );
      expect(JSON.parse(client.stdout)).toHaveProperty("client_secret");
      const deadline = Date.now() + 30_000;
      let health = "";
      while (health !== "healthy" && Date.now() < deadline) {
        health = (
          await run("docker", ["inspect", "-f", "{{.State.Health.Status}}", container], { cwd: root })
        ).stdout.trim();
        if (health !== "healthy") await new Promise((r) => setTimeout(r, 500));
      }
      expect(health).toBe("healthy");
      await run("docker", ["stop", "-t", "20", container], { cwd: root, timeoutMs: 30_000 });
      const exit = await run("docker", ["inspect", "-f", "{{.State.ExitCode}}", container], { cwd: root });
      expect(exit.stdout.trim()).toBe("0");
    },
    1_000_000,
  );

  it("is multi-stage, runs `frontdesk start` as the node user on 0.0.0.0:3000 with /data as a volume and a HEALTHCHECK", () => {
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1) as string;
    expect(runtime).toMatch(/-slim AS runtime/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/FRONTDESK_HOST=0\.0\.0\.0/);
    expect(runtime).toMatch(/FRONTDESK_PORT=3000/);
    expect(runtime).toMatch(/FRONTDESK_DATA_DIR=\/data/);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["frontdesk", "start"\]$/m);
    // Every COPY from the build context names a file that exists.
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const source of (sources as string).split(" "))
        expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8");
    for (const entry of ["**/node_modules", "**/dist", ".env"]) expect(ignored.split("\n")).toContain(entry);
  });
});

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: (string | { type: string; source: string; target: string })[];
}

/**
 * compose.yaml as data, from the first parser at hand: `docker compose config` (also
 * validates against the Compose specification, needs no engine), else PyYAML. There is
 * no YAML package in node_modules. Undefined when neither parser exists; a file either
 * parser refuses is an error.
 */
function parseCompose(): { by: string; services: Record<string, ComposeService> } | undefined {
  const file = join(root, "compose.yaml");
  const parsers = [
    {
      by: "docker compose config",
      present: ["docker", ["compose", "version"]],
      parse: ["docker", ["compose", "-f", file, "config", "--format", "json", "--no-interpolate"]],
    },
    {
      by: "python3 PyYAML",
      present: ["python3", ["-c", "import yaml"]],
      parse: [
        "python3",
        ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file],
      ],
    },
  ] as const;
  for (const { by, present, parse } of parsers) {
    if (spawnSync(present[0], present[1], { stdio: "ignore", timeout: 30_000 }).status !== 0) continue;
    const parsed = spawnSync(parse[0], parse[1], { encoding: "utf8", timeout: 30_000 });
    if (parsed.status !== 0) throw new Error(`${by} refuses compose.yaml:\n${parsed.stderr}`);
    return { by, ...JSON.parse(parsed.stdout) };
  }
  return undefined;
}

const composed = parseCompose();
if (!composed)
  console.info(
    "docker.test.ts: compose.yaml is not parsed (no `docker compose`, no python3 with PyYAML); its structure is unchecked",
  );

describe("compose.yaml (no container engine needed)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!composed)(
    `PostgreSQL, Redis, two production instances of the image sharing them, an nginx gateway${composed ? ` (parsed by ${composed.by})` : " (skipped: no YAML parser)"}`,
    () => {
      const services = composed?.services ?? {};
      expect(Object.keys(services).sort()).toEqual([
        "frontdesk-1",
        "frontdesk-2",
        "gateway",
        "postgres",
        "redis",
      ]);
      const instances = [services["frontdesk-1"], services["frontdesk-2"]] as ComposeService[];
      for (const instance of instances) {
        const context = typeof instance.build === "string" ? instance.build : instance.build?.context;
        expect(resolve(root, context ?? "missing")).toBe(root);
        const env = instance.environment ?? {};
        expect(env.FRONTDESK_MODE).toBe("production");
        expect(env.FRONTDESK_ISSUER).toContain("http://localhost:8080");
        expect(env.FRONTDESK_KEY_ENCRYPTION_SECRET).toMatch(/^\$\{FRONTDESK_KEY_ENCRYPTION_SECRET:\?/);
        expect(env.FRONTDESK_DATABASE_URL).toMatch(/^postgres:\/\/frontdesk:.+@postgres:5432\/frontdesk$/);
        expect(env.FRONTDESK_REDIS_URL).toBe("redis://redis:6379");
        expect(env.FRONTDESK_TRUST_PROXY_HOPS).toBe("1");
        expect(instance.depends_on?.postgres?.condition).toBe("service_healthy");
        expect(instance.depends_on?.redis?.condition).toBe("service_healthy");
      }
      // Both instances are one definition: same image, same settings.
      expect(instances[1]).toEqual(instances[0]);
      const gateway = services.gateway as ComposeService;
      expect(gateway.image).toMatch(/^nginx:/);
      expect(Object.keys(gateway.depends_on ?? {}).sort()).toEqual(["frontdesk-1", "frontdesk-2"]);
      const mount = gateway.volumes?.[0];
      const source = typeof mount === "string" ? mount.split(":")[0] : mount?.source;
      expect(resolve(root, source ?? "missing")).toBe(join(root, "deploy/nginx.conf"));
    },
  );

  it.skipIf(!existsSync(NGINX))(
    `the gateway's nginx.conf round-robins both instances and passes \`nginx -t\`${existsSync(NGINX) ? "" : " (skipped: no nginx)"}`,
    async () => {
      const conf = readFileSync(join(root, "deploy/nginx.conf"), "utf8");
      expect(conf).toMatch(
        /upstream frontdesk \{\s*server frontdesk-1:3000;\s*server frontdesk-2:3000;\s*\}/,
      );
      expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
      // The compose hostnames exist only on the compose network; nginx resolves them at load.
      const prefix = tempDir("frontdesk-nginx-t-");
      dirs.push(prefix);
      mkdirSync(join(prefix, "tmp"));
      writeFileSync(join(prefix, "site.conf"), conf.replace(/frontdesk-[12]:3000/g, "127.0.0.1:3000"));
      writeFileSync(
        join(prefix, "nginx.conf"),
        `pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  include ${prefix}/site.conf;
}
`,
      );
      const checked = await run(NGINX, ["-t", "-p", prefix, "-c", join(prefix, "nginx.conf")], {
        cwd: prefix,
      });
      expect(checked.stderr).toContain("test is successful");
    },
  );
});
