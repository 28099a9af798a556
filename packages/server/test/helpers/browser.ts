/**
 * A minimal cookie-carrying, form-walking HTTP client: what a browser without
 * JavaScript does. Follows redirects on this server; stops at any other origin.
 */
export class FormBrowser {
  constructor(
    readonly origin: string,
    readonly userAgent = "Mozilla/5.0 (X11; Linux x86_64) FormBrowser/1.0",
    private readonly cookies = new Map<string, string>(),
  ) {}

  /**
   * The same browser (same cookies) following redirects on another origin: a browser
   * sends a host's cookies to every port of it, so this pins steps to one instance.
   */
  at(origin: string): FormBrowser {
    return new FormBrowser(origin, this.userAgent, this.cookies);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  private store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("user-agent", this.userAgent);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(new URL(url, this.origin), { ...init, headers, redirect: "manual" });
    this.store(response);
    return response;
  }

  /** Follows redirects within this server; returns the final response and the URL that produced it. */
  async follow(url: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    let current = new URL(url, this.origin).toString();
    let response = await this.request(current, init);
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get("location");
      if (!location) break;
      const next = new URL(location, current);
      if (next.origin !== new URL(this.origin).origin) return { response, url: next.toString() };
      current = next.toString();
      response = await this.request(current);
    }
    return { response, url: current };
  }

  /** Submits the form (the first, or the one whose action matches) found in an HTML page. */
  async submit(
    page: string,
    fields: Record<string, string>,
    options: { action?: string; button?: { name: string; value: string } } = {},
  ): Promise<{ response: Response; url: string }> {
    const forms = [...page.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => !options.action || f[1] === options.action);
    if (!form?.[1])
      throw new Error(`no form${options.action ? ` with action ${options.action}` : ""} on page`);
    const body = new URLSearchParams();
    for (const input of (form[2] ?? "").matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      body.set(input[1] as string, decodeEntities(input[2] as string));
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    if (options.button) body.set(options.button.name, options.button.value);
    return this.follow(decodeEntities(form[1]), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
  }
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
