// The whole client, and no token in it: no login form, no Authorization header, nothing
// in localStorage. The browser sends the session cookie (HttpOnly: this script cannot
// read it) with each same-origin request; the gateway and the API do the rest.

// What the old app left behind: a long-lived JWT that nothing should use again.
localStorage.removeItem("token");

class SignedOut extends Error {}

/** Calls the API; X-Requested-With is the CSRF header the API asks of unsafe methods. */
async function api(path, init = {}) {
  const headers = { "x-requested-with": "fetch", ...init.headers };
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function showNotes(notes) {
  const list = document.getElementById("notes");
  list.replaceChildren(
    ...notes.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }),
  );
}

/** The session ended (sign-out elsewhere, revoked, expired): say so and offer to sign in again. */
function showSignedOut() {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.append("Your session has ended. ");
  const again = document.createElement("a");
  again.href = "/app/"; // the gateway sends a signed-out browser to sign in, then back here
  again.textContent = "Sign in again";
  message.append(again);
  document.getElementById("app").replaceChildren(message);
}

async function run(step) {
  try {
    await step();
  } catch (error) {
    if (error instanceof SignedOut) showSignedOut();
    else throw error;
  }
}

run(async () => {
  const me = await api("/api/me");
  const since = new Date(me.signed_in_at * 1000).toLocaleString();
  document.getElementById("who").textContent = `Signed in as ${me.sub} since ${since}.`;
  showNotes((await api("/api/notes")).notes);
});

document.getElementById("add").addEventListener("submit", (event) => {
  event.preventDefault();
  const field = document.getElementById("text");
  run(async () => {
    const { notes } = await api("/api/notes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: field.value }),
    });
    field.value = "";
    showNotes(notes);
  });
});
