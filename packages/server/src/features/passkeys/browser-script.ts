/**
 * The passkey calls, the only script Frontdesk serves (from this origin, under a CSP
 * without inline script). It finds the page's `[data-passkey]` blocks, shows their
 * buttons, fetches options from `/passkeys/<kind>/options` (a form post with the CSRF
 * token), runs `navigator.credentials.create/get`, and posts the answer to the block's
 * `data-action` as an ordinary form, so the server's redirect is the browser's next page.
 * On the sign-in page it also offers passkeys in the username field's autofill
 * (conditional mediation). Hand-written for current browsers, no build step.
 */
export const PASSKEYS_SCRIPT = `"use strict";
(function () {
  var PKC = window.PublicKeyCredential;

  function toBytes(value) {
    var text = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }
  function fromBytes(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }
  function creationOptions(json) {
    if (PKC.parseCreationOptionsFromJSON) return PKC.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }
  function requestOptions(json) {
    if (PKC.parseRequestOptionsFromJSON) return PKC.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, { challenge: toBytes(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }
  function credentialJson(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var r = credential.response, response = { clientDataJSON: fromBytes(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = fromBytes(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = fromBytes(r.authenticatorData);
      response.signature = fromBytes(r.signature);
      if (r.userHandle) response.userHandle = fromBytes(r.userHandle);
    }
    return {
      id: credential.id, rawId: fromBytes(credential.rawId), type: credential.type, response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  // What a block carries on: its own data attributes, else the sign-in page's password form.
  function carried(block) {
    var form = document.querySelector('form[action="/login"]');
    function field(name) {
      var input = form && form.querySelector('input[name="' + name + '"]');
      return input ? input.value : undefined;
    }
    return {
      csrf: block.dataset.csrf || field("csrf"),
      request: block.dataset.request || field("request"),
      return_to: block.dataset.returnTo || field("return_to"),
    };
  }
  function say(block, text) {
    var status = block.querySelector("[data-passkey-status]");
    status.textContent = text;
    status.hidden = !text;
  }
  function options(block) {
    var body = new URLSearchParams();
    var pending = carried(block);
    Object.keys(pending).forEach(function (k) { if (pending[k]) body.set(k, pending[k]); });
    return fetch("/passkeys/" + block.dataset.passkey + "/options", {
      method: "POST", body: body, credentials: "same-origin", headers: { accept: "application/json" },
    }).then(function (reply) {
      return reply.json().then(function (json) {
        if (!reply.ok) throw new Error(json.error_description || "The passkey could not be started.");
        return json;
      });
    });
  }
  function submit(block, credential) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = block.dataset.action;
    form.hidden = true;
    var fields = carried(block);
    fields.credential = JSON.stringify(credentialJson(credential));
    var name = block.querySelector('input[name="name"]');
    if (name) fields.name = name.value;
    Object.keys(fields).forEach(function (k) {
      if (fields[k] === undefined) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = fields[k];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
  function failed(block, error) {
    if (error && error.name === "AbortError") return;
    say(block, error && error.name === "NotAllowedError"
      ? "The passkey was not used (cancelled, or none of yours is on this device)."
      : error && error.name === "InvalidStateError"
        ? "This device already holds one of your passkeys."
        : (error && error.message) || "The passkey did not work.");
  }

  var conditional;
  function run(block) {
    if (conditional) conditional.abort();
    say(block, "");
    var create = block.dataset.passkey === "register" || block.dataset.passkey === "enrol";
    return options(block).then(function (json) {
      return create
        ? navigator.credentials.create({ publicKey: creationOptions(json) })
        : navigator.credentials.get({ publicKey: requestOptions(json) });
    }).then(function (credential) { submit(block, credential); }, function (error) { failed(block, error); });
  }

  // Passkeys offered in the username field's autofill: the request waits until the person picks one.
  function autofill(block) {
    if (!PKC.isConditionalMediationAvailable) return;
    PKC.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      conditional = new AbortController();
      var signal = conditional.signal;
      return options(block).then(function (json) {
        return navigator.credentials.get({ publicKey: requestOptions(json), mediation: "conditional", signal: signal });
      }).then(function (credential) { submit(block, credential); });
    }).catch(function (error) { failed(block, error); });
  }

  function start() {
    if (!PKC || !navigator.credentials) return;
    var wrapper = document.querySelector("[data-passkey-sign-in]");
    if (wrapper) wrapper.hidden = false;
    document.querySelectorAll("[data-passkey]").forEach(function (block) {
      var hint = block.querySelector("[data-passkey-nojs]");
      if (hint) hint.hidden = true;
      var button = block.querySelector("[data-passkey-start]");
      button.hidden = false;
      button.addEventListener("click", function () {
        button.disabled = true;
        run(block).then(function () { button.disabled = false; });
      });
      if (block.dataset.passkey === "sign-in") autofill(block);
    });
  }
  start();
})();
`;
