// passgate: the WebAuthn calls. Everything else on these pages works
// without JavaScript. No libraries, no build step.
(function () {
  "use strict";

  // ---- encoding ----------------------------------------------------------
  function b64urlToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64urlToBuf(pk.challenge);
    pk.user.id = b64urlToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return pk;
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64urlToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return pk;
  }
  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type,
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = bufToB64url(r.authenticatorData);
      out.response.signature = bufToB64url(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64url(r.userHandle);
    }
    return out;
  }

  // ---- helpers -----------------------------------------------------------
  function post(prefix, csrf, path, body) {
    return fetch(prefix + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error(j.message || (msg("server") + " " + r.status)); e.code = j.error; e.data = j; throw e; }
        return j;
      });
    });
  }
  // The page's words for what this script says (data-msg-* on <body>, in
  // the page's language).
  function msg(name) {
    var key = "msg" + name.split("-").map(function (w) { return w.charAt(0).toUpperCase() + w.slice(1); }).join("");
    return (document.body && document.body.dataset[key]) || "";
  }
  function notice(text, kind) {
    var n = document.getElementById("notice");
    if (!n) return;
    n.textContent = text || "";
    n.className = "notice" + (kind ? " " + kind : "");
  }
  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
  }
  // Changing passkeys needs a recent sign-in: "Confirm it's you", then back.
  function confirmFirst(prefix, err) {
    if (!err || err.code !== "sign_in_again") return false;
    window.location.assign(prefix + "/step-up?rd=" + encodeURIComponent(window.location.href));
    return true;
  }
  function friendly(err) {
    if (!err) return msg("error");
    if (err.name === "NotAllowedError") return document.getElementById("email") ? msg("cancelled-email") : msg("cancelled");
    if (err.name === "InvalidStateError") return msg("already");
    if (err.name === "SecurityError") return msg("security");
    if (err.name === "AbortError") return "";
    return err.message || msg("error");
  }
  function signalUnknown(rpId, err) {
    if (err && err.code === "unknown_credential" && err.data && err.data.credential_id &&
        window.PublicKeyCredential && PublicKeyCredential.signalUnknownCredential) {
      PublicKeyCredential.signalUnknownCredential({ rpId: rpId, credentialId: err.data.credential_id }).catch(function () {});
    }
  }

  // ---- sign-in page ------------------------------------------------------
  function setupLogin(area) {
    var prefix = area.dataset.prefix, csrf = area.dataset.csrf, rd = area.dataset.rd, rpId = area.dataset.rpId;
    var button = document.getElementById("passkey-signin");
    if (!supported()) {
      button.disabled = true;
      notice(msg("unsupported"));
      return;
    }
    var conditional = null;

    function finish(ceremony, cred) {
      return post(prefix, csrf, "/webauthn/authenticate/finish", { ceremony: ceremony, credential: credentialJSON(cred), rd: rd })
        .then(function (j) { window.location.assign(j.redirect); });
    }
    function run(mediation) {
      return post(prefix, csrf, "/webauthn/authenticate/start", {}).then(function (start) {
        var opts = { publicKey: requestOptions(start.options) };
        if (mediation === "conditional") {
          conditional = new AbortController();
          opts.mediation = "conditional";
          opts.signal = conditional.signal;
        }
        return navigator.credentials.get(opts).then(function (cred) {
          if (!cred) return;
          notice(msg("signing-in"));
          return finish(start.ceremony, cred);
        });
      });
    }
    button.addEventListener("click", function () {
      if (conditional) { conditional.abort(); conditional = null; }
      notice("");
      button.disabled = true;
      run("modal").catch(function (err) {
        signalUnknown(rpId, err);
        var m = friendly(err);
        if (m) notice(m, "error");
      }).then(function () { button.disabled = false; startConditional(); });
    });
    function startConditional() {
      if (!PublicKeyCredential.isConditionalMediationAvailable) return;
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (!ok) return;
        run("conditional").catch(function (err) {
          // Autofill that is dismissed, or finds nothing, is not an error.
          if (err && (err.name === "AbortError" || err.name === "NotAllowedError")) return;
          signalUnknown(rpId, err);
          var m = friendly(err);
          if (m) notice(m, "error");
        });
      });
    }
    startConditional();
  }

  // ---- creating a passkey (account page, welcome/offer page) ---------------
  function create(prefix, csrf, mediation, signal) {
    return post(prefix, csrf, "/webauthn/register/start", {}).then(function (start) {
      var opts = { publicKey: creationOptions(start.options) };
      if (mediation) opts.mediation = mediation;
      if (signal) opts.signal = signal;
      return navigator.credentials.create(opts).then(function (cred) {
        return post(prefix, csrf, "/webauthn/register/finish", { ceremony: start.ceremony, credential: credentialJSON(cred) });
      });
    });
  }

  function setupOffer(el) {
    var prefix = el.dataset.prefix, csrf = el.dataset.csrf, next = el.dataset.next;
    var button = document.getElementById("passkey-create");
    if (!supported()) { button.disabled = true; notice(msg("unsupported-create")); return; }
    // A silent request still waiting would make the browser refuse the
    // button's ("a request is already pending"): the button ends it first.
    var silent = null;
    button.addEventListener("click", function () {
      if (silent) { silent.abort(); silent = null; }
      button.disabled = true;
      notice("");
      create(prefix, csrf).then(function () {
        notice(msg("created"), "ok");
        setTimeout(function () { window.location.assign(next); }, 600);
      }).catch(function (err) {
        if (confirmFirst(prefix, err)) return;
        var m = friendly(err); if (m) notice(m, "error"); button.disabled = false;
      });
    });
    // Where the browser can create a passkey without asking (conditional
    // create, after a sign-in that just happened), do that and move on.
    if (el.dataset.silent === "true" && PublicKeyCredential.getClientCapabilities) {
      PublicKeyCredential.getClientCapabilities().then(function (caps) {
        if (!caps || !caps.conditionalCreate) return;
        silent = new AbortController();
        create(prefix, csrf, "conditional", silent.signal).then(function () {
          window.location.assign(next);
        }).catch(function () { /* the prompt stays available */ });
      }).catch(function () {});
    }
  }

  function setupAccount(el) {
    var prefix = el.dataset.prefix, csrf = el.dataset.csrf, rpId = el.dataset.rpId;
    var button = document.getElementById("passkey-create");
    // Keep the browser's list of passkeys and the account details true.
    if (window.PublicKeyCredential) {
      var accepted = (el.dataset.accepted || "").split(",").filter(Boolean);
      if (PublicKeyCredential.signalAllAcceptedCredentials) {
        PublicKeyCredential.signalAllAcceptedCredentials({ rpId: rpId, userId: el.dataset.userId, allAcceptedCredentialIds: accepted }).catch(function () {});
      }
      if (PublicKeyCredential.signalCurrentUserDetails) {
        PublicKeyCredential.signalCurrentUserDetails({ rpId: rpId, userId: el.dataset.userId, name: el.dataset.email, displayName: el.dataset.name || el.dataset.email }).catch(function () {});
      }
    }
    if (!supported()) { button.disabled = true; return; }
    button.addEventListener("click", function () {
      button.disabled = true;
      notice("");
      create(prefix, csrf).then(function () {
        window.location.assign(prefix + "/account?added=1");
      }).catch(function (err) {
        if (confirmFirst(prefix, err)) return;
        var m = friendly(err); if (m) notice(m, "error"); button.disabled = false;
      });
    });
  }

  function init() {
    var login = document.getElementById("passkey-area");
    if (login) setupLogin(login);
    var offer = document.getElementById("offer");
    if (offer) setupOffer(offer);
    var account = document.getElementById("passkey-add");
    if (account) setupAccount(account);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
