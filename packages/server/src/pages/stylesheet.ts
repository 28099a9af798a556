/** The one stylesheet: readable, high contrast, responsive, visible focus. */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --card:#fff; --line:#d0d7de;
  --soft:#f6f8fa; --accent:#0b5cad; --accent-fg:#fff; --accent-soft:#ddeeff; --danger:#b42318;
  --danger-soft:#fef3f2; --ok:#1a7f37; --ok-soft:#eefbf1; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#9da7b3; --bg:#0d1117; --card:#161b22;
  --line:#30363d; --soft:#0d1117; --accent:#4493f8; --accent-fg:#0d1117; --accent-soft:#132a4a;
  --danger:#ff7b72; --danger-soft:#2d1416; --ok:#3fb950; --ok-soft:#12261a; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust:100%; text-size-adjust:100%; }
body { margin:0; min-height:100vh; padding:4rem 1rem;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
.card { max-width:28rem; margin:0 auto; padding:2rem 2.25rem; background:var(--card);
  border:1px solid var(--line); border-radius:12px; box-shadow:0 1px 3px rgba(31,35,40,.06); }
.card.wide { max-width:52rem; }
.card > :last-child { margin-bottom:0; }
.brand { margin:0 0 .25rem; font-weight:600; color:var(--muted); letter-spacing:.06em; text-transform:uppercase;
  font-size:.75rem; }
h1 { margin:0 0 1.25rem; font-size:1.5rem; line-height:1.25; }
h2 { font-size:1.05rem; margin:2rem 0 .5rem; padding-top:1.5rem; border-top:1px solid var(--line); }
p { margin:0 0 1rem; }
a { color:var(--accent); text-underline-offset:.15em; }
form { margin:0; }
label { display:block; font-weight:600; margin:1rem 0 .35rem; }
input[type=text], input[type=password], input[type=email] { width:100%; padding:.6rem .75rem; font:inherit; color:inherit;
  background:var(--soft); border:1px solid var(--line); border-radius:8px; }
input[type=text]:focus, input[type=password]:focus, input[type=email]:focus { border-color:var(--accent); }
ul.links { list-style:none; display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; justify-content:space-between;
  margin:1.25rem 0 0; padding:0; font-size:.95rem; }
button { font:inherit; padding:.6rem 1.15rem; border-radius:8px; border:1px solid var(--line);
  background:var(--card); color:var(--fg); cursor:pointer; white-space:nowrap; }
button:hover:not(:disabled) { background:var(--soft); }
button:disabled { cursor:not-allowed; opacity:.55; }
button.primary { background:var(--accent); border-color:var(--accent); color:var(--accent-fg); font-weight:600; }
button.primary:hover:not(:disabled) { background:var(--accent); filter:brightness(1.1); }
button.danger { color:var(--danger); }
button.danger:hover:not(:disabled) { background:var(--danger-soft); border-color:var(--danger); }
a.button { display:inline-block; padding:.6rem 1.15rem; border-radius:8px; border:1px solid var(--line);
  color:inherit; text-decoration:none; }
a.button:hover { background:var(--soft); }
.providers { display:grid; gap:.6rem; margin:0 0 1.25rem; }
.providers a.button { text-align:center; font-weight:600; }
.divider { display:flex; align-items:center; gap:.75rem; color:var(--muted); font-size:.9rem; margin:0 0 1rem; }
.divider::before, .divider::after { content:""; flex:1; border-top:1px solid var(--line); }
button.small { padding:.35rem .75rem; font-size:.875rem; }
:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
.actions { display:flex; gap:.75rem; margin-top:1.5rem; flex-wrap:wrap; }
.actions.block button { flex:1 1 auto; }
.error, .notice { margin:0 0 1rem; padding:.75rem 1rem; border-radius:8px; border:1px solid; }
.error { border-color:var(--danger); color:var(--danger); background:var(--danger-soft); }
.notice { border-color:var(--ok); color:var(--ok); background:var(--ok-soft); }
.muted { color:var(--muted); }
.lead { font-size:1.05rem; }
.hint { margin:.5rem 0 0; font-size:.9rem; color:var(--muted); }
.visually-hidden { position:absolute !important; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden;
  clip:rect(0 0 0 0); white-space:nowrap; border:0; }
ul.scopes { list-style:none; margin:0 0 1rem; padding:0; border:1px solid var(--line); border-radius:8px; }
ul.scopes li { display:flex; gap:.65rem; padding:.6rem .9rem; }
ul.scopes li + li { border-top:1px solid var(--line); }
ul.scopes li::before { content:"\\2713"; color:var(--accent); font-weight:700; }
.badge { display:inline-block; margin-left:.4rem; padding:.05rem .5rem; border-radius:999px; font-size:.75rem;
  font-weight:600; vertical-align:.1em; white-space:nowrap; color:var(--accent); background:var(--accent-soft); }
.badge.warning { color:var(--danger); background:var(--danger-soft); }
ul.access { margin:0; padding-left:1rem; font-size:.9rem; }
.tags { display:flex; flex-wrap:wrap; gap:.3rem; margin:0; padding:0; list-style:none; }
.tags li { padding:.05rem .45rem; border:1px solid var(--line); border-radius:6px; background:var(--soft);
  font: .8rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { width:100%; border-collapse:collapse; font-size:.95rem; }
th, td { text-align:left; padding:.7rem .6rem; border-bottom:1px solid var(--line); vertical-align:middle; }
th:first-child, td:first-child { padding-left:0; min-width:10rem; }
th:last-child, td:last-child { padding-right:0; text-align:right; }
thead th { font-size:.75rem; font-weight:600; letter-spacing:.04em; text-transform:uppercase; color:var(--muted); }
td.nowrap, time { white-space:nowrap; }
.row-actions { display:flex; gap:.4rem; justify-content:flex-end; flex-wrap:wrap; }
.row-actions form { margin:0; }
code { font-size:.9em; }
@media (max-width: 40rem) {
  body { padding:1rem .75rem; }
  .card, .card.wide { padding:1.5rem 1.25rem; }
  table.stack thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  table.stack tr { display:block; padding:.75rem 0; border-bottom:1px solid var(--line); }
  table.stack td { display:flex; justify-content:space-between; gap:1rem; padding:.2rem 0; border:0;
    text-align:right; }
  table.stack td::before { content:attr(data-label); font-weight:600; color:var(--muted); text-align:left; }
  table.stack td:first-child { display:block; padding-bottom:.35rem; font-weight:600; text-align:left; }
  table.stack td:first-child::before, table.stack td:last-child::before { content:none; }
  table.stack td:last-child { display:block; padding-top:.5rem; text-align:left; }
  table.stack .tags { justify-content:flex-end; }
  table.stack ul.access { list-style-position:inside; padding:0; }
}
`;
