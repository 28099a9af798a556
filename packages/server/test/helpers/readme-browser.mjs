// The README's browser step, done the way a person would: open the authorization URL,
// sign in, click Allow, and read the code from the address the browser is sent to.
// Usage: node readme-browser.mjs AUTH_URL USERNAME PASSWORD  -> prints the code
const [start, username, password] = process.argv.slice(2);
const origin = new URL(start).origin;
const jar = new Map();

async function visit(url, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  const response = await fetch(new URL(url, origin), { ...init, headers, redirect: "manual" });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return response;
}

/** Follows redirects on the server; stops at the page, or when the browser leaves for the client. */
async function follow(url, init) {
  let response = await visit(url, init);
  let at = new URL(url, origin);
  while (response.status >= 300 && response.status < 400) {
    at = new URL(response.headers.get("location"), at);
    if (at.origin !== origin) return { left: at };
    response = await visit(at);
  }
  return { page: await response.text(), at };
}

function submit(page, fields) {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page);
  if (!form) throw new Error(`no form on the page: ${page.slice(0, 200)}`);
  const body = new URLSearchParams();
  for (const input of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    body.set(input[1], input[2].replace(/&amp;/g, "&"));
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return follow(form[1].replace(/&amp;/g, "&"), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

let step = await follow(start);
for (let i = 0; i < 4 && !step.left; i++) {
  if (step.at.pathname === "/login") step = await submit(step.page, { username, password });
  else if (step.at.pathname === "/consent") step = await submit(step.page, { decision: "allow" });
  else throw new Error(`unexpected page ${step.at}`);
}
if (!step.left) throw new Error("the browser never left for the client");
const code = step.left.searchParams.get("code");
if (!code) throw new Error(`no code: ${step.left}`);
process.stdout.write(code);
