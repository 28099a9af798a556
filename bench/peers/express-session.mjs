// Peer: an Express app with express-session + connect-redis (node-redis client, per
// connect-redis's README), defaults resave: false / saveUninitialized: false.
// GET /login starts a session (userId set); GET /protected answers 200 only with one.
// Environment: PORT, REDIS_URL, REDIS_PREFIX.
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { createClient } from "redis";

const client = createClient({ url: process.env.REDIS_URL });
client.on("error", (err) => console.error("redis:", err.message));
await client.connect();

const app = express();
app.disable("x-powered-by");
app.use(
  session({
    store: new RedisStore({ client, prefix: process.env.REDIS_PREFIX }),
    secret: "bench-session-secret-0123456789abcdef",
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: false, maxAge: 12 * 3600 * 1000 },
  }),
);
app.get("/healthz", (_req, res) => res.send("ok"));
app.get("/login", (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.userId = "bench-user";
    res.send("signed in");
  });
});
app.get("/protected", (req, res) => {
  if (!req.session.userId) return res.status(401).json({ error: "login_required" });
  res.set("cache-control", "no-store").set("x-user", req.session.userId).status(200).end();
});

const server = app.listen(Number(process.env.PORT), "127.0.0.1");
const close = () => server.close(() => client.quit().finally(() => process.exit(0)));
process.once("SIGTERM", close);
process.once("SIGINT", close);
