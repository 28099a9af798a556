import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "./server.js";

const NGINX = "/usr/sbin/nginx";

export interface Nginx {
  url: string;
  port: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/** Runs Debian's nginx in the foreground with a config made from `serverBlock(port)`. */
export async function startNginx(serverBlock: (port: number) => string, port?: number): Promise<Nginx> {
  const listen = port ?? (await freePort());
  return runNginx(
    (prefix) => `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
${serverBlock(listen)}
}
`,
    listen,
  );
}

/**
 * Runs Debian's nginx in the foreground with a whole config, `config(prefix)`, in a
 * fresh prefix folder (relative paths in the config are under it), listening on `port`.
 */
export async function runNginx(config: (prefix: string) => string, port: number): Promise<Nginx> {
  const prefix = tempDir("frontdesk-nginx-");
  mkdirSync(join(prefix, "tmp"), { recursive: true });
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, config(prefix));
  const child: ChildProcess = spawn(
    NGINX,
    ["-p", `${prefix}/`, "-c", conf, "-e", join(prefix, "error.log")],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(url, { redirect: "manual" });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    errorLog: () => {
      let file = "";
      try {
        file = readFileSync(join(prefix, "error.log"), "utf8");
      } catch {
        // nothing logged to the file yet
      }
      return file + stderr;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGQUIT");
      }),
  };
}
