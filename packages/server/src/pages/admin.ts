import type { ClientRecord, UserRecord } from "../storage/durable/types.js";
import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

export interface AdminPageInput {
  csrf: string;
  username: string;
  users: (UserRecord & { sessions: number })[];
  clients: ClientRecord[];
  notice?: string;
}

/** Administration: one click revokes a person's access everywhere. */
export function adminPage(input: AdminPageInput): Html {
  const csrf = hiddenInputs({ csrf: input.csrf });
  const action = (path: string, fields: Record<string, string>, label: string) =>
    html`<form method="post" action="${path}">${csrf}${hiddenInputs(fields)}<button class="danger small" type="submit">${label}</button></form>`;
  return layout(
    "Administration",
    html`<p class="lead">Signed in as <strong>${input.username}</strong>.</p>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
<h2 id="people">People</h2>
<table class="stack" aria-labelledby="people">
<thead><tr><th scope="col">Username</th><th scope="col">E-mail</th><th scope="col">Sessions</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
${input.users.map(
  (u) => html`<tr data-user="${u.id}">
<td>${u.username}${u.disabled ? html`<span class="badge warning">Disabled</span>` : ""}</td>
<td data-label="E-mail">${u.email ?? "—"}</td>
<td data-label="Sessions">${u.sessions}</td>
<td><div class="row-actions">${action("/admin/users/revoke", { user: u.id }, "Revoke everywhere")}${u.disabled ? "" : action("/admin/users/disable", { user: u.id }, "Disable")}</div></td>
</tr>`,
)}
</tbody>
</table>
<p class="hint">Revoking ends every session and refresh token of the person and revokes their access tokens in every service that follows the revocation feed.</p>
<h2 id="apps">Applications</h2>
<table class="stack" aria-labelledby="apps">
<thead><tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Grants</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
${input.clients.map(
  (c) => html`<tr data-client="${c.id}">
<td>${c.name}</td>
<td data-label="Client id"><code>${c.id}</code></td>
<td data-label="Grants"><ul class="tags">${c.grantTypes.map((g) => html`<li>${g}</li>`)}</ul></td>
<td>${action("/admin/clients/delete", { client_id: c.id }, "Delete")}</td>
</tr>`,
)}
</tbody>
</table>`,
    { wide: true },
  );
}
