import pino, { type Logger } from "pino";

/** Structured logger. Credentials never reach it: these paths are censored wherever they appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "frontdesk" },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "req.headers.dpop",
          "res.headers['set-cookie']",
          "*.password",
          "*.client_secret",
          "*.token",
          "*.access_token",
          "*.refresh_token",
          "*.id_token",
          "*.code",
        ],
        censor: "[redacted]",
      },
      serializers: {
        // Paths only: query strings can carry codes and state.
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split("?")[0],
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    },
    destination,
  );
}
