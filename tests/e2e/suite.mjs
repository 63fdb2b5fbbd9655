// End-to-end tests of passgate's pages in real Chromium with a virtual
// passkey authenticator (CDP WebAuthn domain). Started by tests/it/e2e.rs,
// which runs the real gateway and the demo upstream and passes:
//   E2E_BASE     http://localhost:PORT (the gateway; portal and app)
//   E2E_OUTBOX   the outbox folder where sign-in emails land
//   E2E_SHOTS    where to write screenshots (light and dark)
//   E2E_CHROMIUM the browser binary
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const BASE = process.env.E2E_BASE;
const OUTBOX = process.env.E2E_OUTBOX;
const SHOTS = process.env.E2E_SHOTS;
const EXE = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const P = `${BASE}/.passgate`;
// Apache httpd with mod_auth_openidc, a relying party of passgate's OpenID
// provider (client "apache"); passgate also has a client "ops-only" for the
// ops group, which erin is not in.
const APACHE = process.env.E2E_APACHE;
const only = process.env.E2E_ONLY || "";

fs.mkdirSync(SHOTS, { recursive: true });
const contexts = [];
// Anything the Content-Security-Policy blocks is a defect in our pages.
const cspViolations = [];
// Serious and critical accessibility findings (axe-core) on every page
// screenshotted.
const axeFindings = [];
const AXE = fs.readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
function watch(page) {
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
  });
}

async function browser() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "passgate-e2e-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: EXE,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  contexts.push(ctx);
  ctx.on("page", watch);
  return ctx;
}

async function authenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    cdp, id: authenticatorId,
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
    remove: async () => cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }),
  };
}

async function axeCheck(page, name) {
  // Evaluated through the DevTools protocol, which the page's CSP does not
  // govern (the pages allow no inline script).
  await page.evaluate(AXE);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    for (const v of r.violations) {
      if (v.impact === "serious" || v.impact === "critical") {
        axeFindings.push(`${name} (${scheme}): ${v.id} — ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
  }
}

async function shot(page, name) {
  await axeCheck(page, name);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

// ---- the outbox ----------------------------------------------------------
function decodeQP(s) {
  return s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}
function messageBody(raw) {
  // Decode every MIME part we can read (quoted-printable or base64).
  let out = decodeQP(raw);
  for (const m of raw.matchAll(/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)) {
    out += Buffer.from(m[1].replace(/\s/g, ""), "base64").toString("utf8");
  }
  return out;
}
async function latestMail(to, after) {
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX).filter((f) => f.endsWith(".eml")) : [];
    const hits = files
      .map((f) => ({ f, t: fs.statSync(path.join(OUTBOX, f)).mtimeMs, raw: fs.readFileSync(path.join(OUTBOX, f), "utf8") }))
      .filter((m) => m.t >= after && m.raw.includes(`To: ${to}`))
      .sort((a, b) => b.t - a.t);
    if (hits.length) {
      const body = messageBody(hits[0].raw);
      const link = body.match(/https?:\/\/[^\s"<>]+\/\.passgate\/email\/verify\?token=[A-Za-z0-9_-]+/);
      const code = body.match(/code[^0-9]{1,80}(\d{6})/i);
      assert.ok(link, `no link in the mail to ${to}`);
      assert.ok(code, `no code in the mail to ${to}`);
      return { link: link[0], code: code[1] };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} in ${OUTBOX}`);
}

async function requestEmail(page, email, { screenshot, stay } = {}) {
  const t = Date.now() - 1000;
  if (!stay) await page.goto(`${P}/login`);
  await page.fill("#email", email);
  await page.click("text=Email me a sign-in link");
  await page.waitForSelector("text=Check your email");
  if (screenshot) await shot(page, screenshot);
  return latestMail(email, t);
}

async function echoJSON(page) {
  const r = await page.request.get(`${BASE}/whoami-check`, { headers: { accept: "application/json" } });
  assert.equal(r.status(), 200, "the protected app answers a signed-in browser");
  return r.json();
}

function header(json, name) {
  return (json.headers[name] || [])[0];
}

// ---- scenarios -----------------------------------------------------------
const results = [];
async function scenario(name, fn) {
  if (only && !name.includes(only)) return;
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n${e.stack}`);
  }
}

const state = {};

await scenario("sign up by email, create a passkey, reach the app with a verified assertion", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  state.a = await authenticator(page);
  const nav = await page.goto(`${BASE}/dashboard?tab=1`);
  assert.match(page.url(), /\/\.passgate\/login\?rd=/);
  const h = nav.headers();
  assert.match(h["content-security-policy"], /script-src 'self'/);
  assert.ok(!/unsafe-inline/.test(h["content-security-policy"]), "no inline script allowed");
  assert.equal(h["x-frame-options"], "DENY");
  assert.equal(h["referrer-policy"], "no-referrer");
  await shot(page, "01-login");
  const { link } = await requestEmail(page, "erin@example.com", { screenshot: "02-email-sent", stay: true });
  await page.goto(link);
  await page.waitForSelector("text=Finish signing up");
  await shot(page, "03-email-confirm");
  await page.click("text=Create my account");
  await page.waitForSelector("text=Your account is ready");
  await shot(page, "04-welcome-offer");
  await page.click("#passkey-create");
  await page.waitForURL(`${BASE}/dashboard?tab=1`);
  const creds = await state.a.credentials();
  assert.equal(creds.length, 1, "one passkey on the authenticator");
  assert.ok(creds[0].isResidentCredential, "the passkey is discoverable");
  const json = await echoJSON(page);
  assert.equal(header(json, "remote-email"), "erin@example.com");
  assert.equal(json.assertion.verified, true, `assertion verified against the JWKS: ${JSON.stringify(json.assertion)}`);
  assert.equal(json.assertion.claims.email, "erin@example.com");
  assert.deepEqual(json.assertion.claims.amr, ["email"]);
  await page.goto(`${BASE}/`);
  await page.waitForSelector("text=Hello");
  await shot(page, "05-demo-app");
  state.ctx1 = ctx;
  state.page1 = page;
});

await scenario("sign out, then sign in with the passkey by pressing one button", async () => {
  const page = state.page1;
  // Turn off autofill for this page so the button is what signs in.
  await page.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await page.goto(`${P}/logout`);
  await shot(page, "06-logout");
  await page.click("button:has-text('Sign out')");
  await page.waitForURL(/\/\.passgate\/login/);
  assert.equal((await page.request.get(`${P}/whoami`)).status(), 401, "signed out");
  assert.match(await page.textContent("#notice"), /signed out/);
  await page.goto(`${P}/login?rd=${encodeURIComponent(BASE + "/after-button")}`);
  await page.click("#passkey-signin");
  await page.waitForURL(`${BASE}/after-button`);
  const json = await echoJSON(page);
  assert.equal(header(json, "remote-email"), "erin@example.com");
  assert.deepEqual(json.assertion.claims.amr, ["webauthn"]);
});

await scenario("autofill: the passkey offered on the email field signs in", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  const a = await authenticator(page);
  // The same passkey, as if synced to this second device.
  const [cred] = await state.a.credentials();
  await a.cdp.send("WebAuthn.addCredential", { authenticatorId: a.id, credential: cred });
  await page.goto(`${P}/login?rd=${encodeURIComponent(BASE + "/after-autofill")}`);
  // Nothing is clicked: the conditional request resolves with the passkey.
  await page.waitForURL(`${BASE}/after-autofill`, { timeout: 15000 });
  const json = await echoJSON(page);
  assert.equal(header(json, "remote-email"), "erin@example.com");
  await ctx.close();
});

await scenario("OpenID Connect: Apache with mod_auth_openidc signs in through passgate with the passkey", async () => {
  assert.ok(APACHE, "E2E_APACHE is not set");
  const ctx = await browser();
  const page = await ctx.newPage();
  const a = await authenticator(page);
  const [cred] = await state.a.credentials();
  // A synced copy that has signed more than the original since (the
  // autofill scenario used one): passgate refuses counters that go back.
  await a.cdp.send("WebAuthn.addCredential", { authenticatorId: a.id, credential: { ...cred, signCount: cred.signCount + 100 } });
  await page.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  // Apache sends the browser to passgate's authorize endpoint; nobody is
  // signed in there, so the login page; the passkey; back to Apache.
  await page.goto(`${APACHE}/protected/`);
  await page.waitForURL(/\/\.passgate\/login\?rd=/);
  assert.match(decodeURIComponent(page.url()), /oidc\/authorize\?.*client_id=apache/);
  await page.click("#passkey-signin");
  await page.waitForURL(`${APACHE}/protected/`);
  assert.equal(await page.textContent("#user"), "REMOTE_USER=erin@example.com");
  assert.equal(await page.textContent("#email"), "OIDC_CLAIM_email=erin@example.com");
  assert.equal(await page.textContent("#groups"), "OIDC_CLAIM_groups=admins");
  assert.match(await page.textContent("#amr"), /webauthn/);
  await shot(page, "19-apache-oidc");
  // Signed in at passgate now: another app's sign-in needs no page at all,
  // and one whose client is for another group gets a page saying so.
  const authorize = `${P}/oidc/authorize?response_type=code&scope=openid&client_id=ops-only&redirect_uri=${encodeURIComponent(APACHE + "/protected/redirect_uri")}&state=s`;
  const refused = await page.goto(authorize);
  assert.equal(refused.status(), 403);
  assert.match(await page.textContent("h1"), /is not for you/);
  assert.ok(page.url().startsWith(P), "no redirect to the app");
  await shot(page, "20-oidc-not-allowed");
  // An app asking to sign out without proving who is signed in: a button.
  await page.goto(`${P}/oidc/end-session?client_id=apache&post_logout_redirect_uri=${encodeURIComponent(APACHE + "/")}&state=bye`);
  await page.waitForSelector("text=asks to sign you out");
  await shot(page, "21-oidc-end-session");
  await page.click("button:has-text('Sign out')");
  await page.waitForURL(`${APACHE}/?state=bye`);
  assert.equal((await page.request.get(`${P}/whoami`)).status(), 401, "signed out of passgate");
  await ctx.close();
});

await scenario("a second passkey, then removing one ends the sessions made with it", async () => {
  const page = state.page1;
  await page.goto(`${P}/account`);
  await shot(page, "07-account");
  // A second authenticator (a security key, say): the first one is unplugged.
  const firstCreds = await state.a.credentials();
  await state.a.remove();
  state.b = await authenticator(page, { transport: "usb" });
  await page.click("#passkey-create");
  await page.waitForURL(/account\?added=1/);
  assert.equal(await page.locator("#passkey-list li").count(), 2, "two passkeys listed");
  const titles = await page.locator("#passkey-list li .title").allTextContents();
  assert.notEqual(titles[0].split(/this device|synced/)[0].trim(), titles[1].split(/this device|synced/)[0].trim(), "the two passkeys have different names");
  await shot(page, "08-account-two-passkeys");
  // Sign in again with the second passkey.
  await page.goto(`${P}/logout`);
  await page.click("button:has-text('Sign out')");
  await page.goto(`${P}/login?rd=${encodeURIComponent(BASE + "/with-b")}`);
  await page.click("#passkey-signin");
  await page.waitForURL(`${BASE}/with-b`);
  // Remove the passkey this session was made with: the session ends.
  const bId = (await state.b.credentials())[0].credentialId.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  await page.goto(`${P}/account`);
  const row = page.locator(`li[data-credential-id="${bId}"]`);
  assert.equal(await row.count(), 1, "the second passkey is listed");
  assert.ok((await row.textContent()).includes("used for this session"));
  await row.locator("button:has-text('Remove')").click();
  await page.waitForURL(/login\?error=session_ended/);
  assert.equal((await page.request.get(`${P}/whoami`)).status(), 401, "the session made with the removed passkey is over");
  // The removed passkey is refused, and the browser is told to forget it.
  await page.goto(`${P}/login`);
  await page.click("#passkey-signin");
  await page.waitForSelector("#notice.error");
  assert.match(await page.textContent("#notice"), /no longer registered/);
  // A copy of the first passkey whose signature counter is behind the one
  // the server saw (the autofill scenario used it on another authenticator)
  // looks cloned, and is refused.
  await state.b.remove();
  state.a = await authenticator(page);
  await state.a.cdp.send("WebAuthn.addCredential", { authenticatorId: state.a.id, credential: firstCreds[0] });
  await page.goto(`${P}/login?rd=${encodeURIComponent(BASE + "/with-a")}`);
  await page.click("#passkey-signin");
  await page.waitForSelector("#notice.error");
  assert.match(await page.textContent("#notice"), /cloned/);
  // With its counter ahead, the first passkey still works.
  await state.a.remove();
  state.a = await authenticator(page);
  await state.a.cdp.send("WebAuthn.addCredential", { authenticatorId: state.a.id, credential: { ...firstCreds[0], signCount: 1000 } });
  await page.goto(`${P}/login?rd=${encodeURIComponent(BASE + "/with-a")}`);
  await page.click("#passkey-signin");
  await page.waitForURL(`${BASE}/with-a`);
  await page.goto(`${P}/account`);
  assert.equal(await page.locator("#passkey-list li").count(), 1, "one passkey left");
});

await scenario("email code on another device, and revoking that session from the first", async () => {
  const ctx2 = await browser();
  const page2 = await ctx2.newPage();
  const { code } = await requestEmail(page2, "erin@example.com");
  // The code page (as on a device that never saw the link).
  await page2.goto(`${P}/email/code`);
  await shot(page2, "09-code");
  await page2.fill("#email", "erin@example.com");
  await page2.fill("#code", "000000" === code ? "111111" : "000000");
  await page2.click("button:has-text('Sign in')");
  await page2.waitForSelector("text=That code is not right");
  await page2.fill("#code", code);
  await page2.click("button:has-text('Sign in')");
  await page2.waitForSelector("text=Sign in faster next time");
  await shot(page2, "10-offer-after-email");
  await page2.click("#skip");
  assert.equal((await echoJSON(page2)).headers["remote-email"][0], "erin@example.com");

  const page1 = state.page1;
  await page1.goto(`${P}/account`);
  const others = page1.locator("form[action$='/account/sessions/revoke'] button");
  assert.ok((await others.count()) >= 1, "the other session is listed");
  await others.first().click();
  await page1.waitForURL(/notice=revoked/);
  const r = await page2.request.get(`${BASE}/after-revoke`, { headers: { accept: "application/json" }, maxRedirects: 0 });
  assert.equal(r.status(), 401, "the revoked session no longer gets in");
  assert.equal((await page1.request.get(`${P}/whoami`)).status(), 200, "this session is untouched");
  state.ctx2 = ctx2;
  state.page2 = page2;
});

await scenario("an email link opened in another browser is refused; its code works there", async () => {
  const page1 = state.page1;
  const page2 = state.page2;
  // Browser 1 asks; browser 2 opens the link.
  const t = Date.now() - 1000;
  await page1.goto(`${P}/logout`);
  await page1.click("button:has-text('Sign out')");
  await page1.goto(`${P}/login`);
  await page1.fill("#email", "erin@example.com");
  await page1.click("text=Email me a sign-in link");
  await page1.waitForSelector("text=Check your email");
  const { link, code } = await latestMail("erin@example.com", t);
  await page2.goto(link);
  await page2.click("button:has-text('Sign in')");
  await page2.waitForSelector("text=opened in a different browser");
  await shot(page2, "11-link-other-browser");
  assert.equal((await page2.request.get(`${P}/whoami`)).status(), 401, "no session from the link");
  await page2.fill("#code", code);
  await page2.click("button:has-text('Sign in')");
  await page2.waitForSelector("text=Sign in faster next time");
  assert.equal((await page2.request.get(`${P}/whoami`)).status(), 200, "the code signed in");
  // The link is spent now (the code took it with it).
  await page1.goto(link);
  await page1.waitForSelector("text=This link has expired");
  await shot(page1, "12-link-expired");
});

await scenario("a passkey without user verification is refused", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  const a = await authenticator(page, { hasUserVerification: false, isUserVerified: false, transport: "usb" });
  const { link } = await requestEmail(page, "nouv@example.com");
  await page.goto(link);
  await page.click("text=Create my account");
  await page.waitForSelector("#passkey-create");
  await page.click("#passkey-create");
  await page.waitForSelector("#notice.error", { timeout: 20000 });
  await page.goto(`${P}/account`);
  assert.equal(await page.locator("#passkey-list li").count(), 0, "no passkey was stored");
  assert.equal((await a.credentials()).length <= 1, true);
  await ctx.close();
});

await scenario("step-up: a passkey for a passkey-only rule after an email sign-in, and again once max_age has passed", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  // The buttons are what sign in here, not autofill.
  await page.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await authenticator(page);
  // Signed up by email, without a passkey.
  const { link } = await requestEmail(page, "sam@example.com");
  await page.goto(link);
  await page.click("text=Create my account");
  await page.waitForSelector("text=Your account is ready");
  await page.click("#skip");
  // A passkey-only rule: confirm it's you, and first create a passkey.
  await page.goto(`${BASE}/sensitive/report?q=1`);
  await page.waitForURL(/\/\.passgate\/step-up\?rd=/);
  assert.match(await page.textContent("h1"), /Confirm it.s you/);
  assert.match(await page.textContent(".lead"), /accepts only passkey sign-ins/);
  assert.equal(await page.locator("form[action$='/email/start']").count(), 0, "email does not do for this rule");
  await shot(page, "15-step-up-no-passkey");
  await page.click("#add-passkey");
  await page.waitForURL(/\/passkey\/offer/);
  // The offer may create the passkey by itself (a returning person is
  // offered one silently); otherwise the button does.
  await page.click("#passkey-create", { timeout: 3000 }).catch(() => {});
  await page.waitForURL(/\/\.passgate\/step-up\?rd=/);
  await page.waitForSelector("#passkey-signin");
  await shot(page, "16-step-up");
  const before = Math.floor(Date.now() / 1000) - 1;
  await page.click("#passkey-signin");
  await page.waitForURL(`${BASE}/sensitive/report?q=1`);
  const sensitive = await (await page.request.get(`${BASE}/sensitive/report`, { headers: { accept: "application/json" } })).json();
  assert.deepEqual(sensitive.assertion.claims.amr, ["webauthn"], "the session is a passkey one now");
  assert.ok(sensitive.assertion.claims.auth_time >= before, "and a fresh one");
  // The step-up replaced the email session: no other session is left.
  await page.goto(`${P}/account`);
  assert.equal(await page.locator("form[action$='/account/sessions/revoke'] button").count(), 0, "one session");
  // max_age: fresh now; after it has passed, confirm again (email would
  // do here too).
  await page.goto(`${BASE}/fresh/page`);
  assert.equal(new URL(page.url()).pathname, "/fresh/page", "a fresh sign-in passes");
  // Whole seconds are compared: more than max_age + 1 s.
  await page.waitForTimeout(5500);
  await page.goto(`${BASE}/fresh/page`);
  await page.waitForURL(/\/\.passgate\/step-up\?rd=/);
  assert.match(await page.textContent(".lead"), /takes sign-ins from the last 4 seconds/);
  assert.equal(await page.locator("form[action$='/email/start']").count(), 1, "email does for max_age");
  await shot(page, "17-step-up-max-age");
  await page.click("#passkey-signin");
  await page.waitForURL(`${BASE}/fresh/page`);
  // An API client is told, not redirected.
  // Whole seconds are compared: more than max_age + 1 s.
  await page.waitForTimeout(5500);
  const api = await page.request.get(`${BASE}/fresh/page`, { headers: { accept: "application/json" }, maxRedirects: 0 });
  assert.equal(api.status(), 401);
  assert.match(api.headers()["www-authenticate"], /insufficient_user_authentication", max_age=4/);
  state.stepUpPage = page;
});

await scenario("admin pages: an admin with a fresh passkey sign-in sees people and a person", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  const a = await authenticator(page);
  const creds = await (state.b ? state.b : state.a).credentials().catch(() => []);
  const [cred] = creds.length ? creds : await state.a.credentials();
  await a.cdp.send("WebAuthn.addCredential", { authenticatorId: a.id, credential: { ...cred, signCount: cred.signCount + 1000 } });
  await page.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await page.goto(`${P}/admin`);
  await page.waitForURL(/\/\.passgate\/login\?rd=/);
  await page.click("#passkey-signin");
  await page.waitForURL(`${P}/admin`);
  assert.match(await page.textContent("h1"), /People/);
  assert.ok((await page.locator("#people li").count()) >= 1, "people are listed");
  await shot(page, "26-admin-people");
  await page.click("#people li a >> nth=0");
  await page.waitForURL(/\/admin\/people\//);
  await shot(page, "27-admin-person");
  await page.goto(`${P}/admin/audit`);
  assert.match(await page.textContent("h1"), /Audit log/);
  assert.ok((await page.locator("#events li").count()) >= 1, "the sign-in is in the audit log");
  await shot(page, "32-admin-audit");
  await page.goto(`${P}/admin/system`);
  assert.match(await page.textContent("h1"), /Apps and keys/);
  await shot(page, "30-admin-system");
  for (const [path, name] of [[`${P}/admin`, "28-admin-people-narrow"], [`${P}/admin/system`, "31-admin-system-narrow"], [`${P}/admin/audit`, "33-admin-audit-narrow"]]) {
    const p2 = await ctx.newPage();
    await p2.setViewportSize({ width: 360, height: 740 });
    await p2.goto(path);
    const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: content overflows by ${overflow}px`);
    await shot(p2, name);
  }
  state.adminPage = page;
});

await scenario("admin journey: invite someone who signs up through the link, group them, see them in the audit log and the activity chart, end their session, disable them", async () => {
  const ap = state.adminPage;
  assert.ok(ap, "the admin scenario signed in");
  // The page as it is (a POST's answer), at 360 px, then back.
  const narrowHere = async (name) => {
    await ap.setViewportSize({ width: 360, height: 740 });
    const overflow = await ap.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: content overflows by ${overflow}px`);
    await shot(ap, name);
    await ap.setViewportSize({ width: 1280, height: 900 });
  };
  const narrow = async (url, name) => {
    const p2 = await ap.context().newPage();
    await p2.setViewportSize({ width: 360, height: 740 });
    await p2.goto(url);
    const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: content overflows by ${overflow}px`);
    await shot(p2, name);
    await p2.close();
  };
  // Invite ivy: the link is shown once (and emailed).
  await ap.goto(`${P}/admin/invites`);
  assert.match(await ap.textContent("h1"), /Invitations/);
  await ap.fill("#invite-email", "ivy@example.com");
  await ap.fill("#invite-days", "7");
  await ap.click("form[action$='/admin/invites'] button[type=submit]");
  await ap.waitForSelector("#invite-link");
  const link = (await ap.textContent("#invite-link")).trim();
  assert.match(link, /\/\.passgate\/invite\?token=/);
  await shot(ap, "34-admin-invited");
  await narrowHere("34-admin-invited-narrow");
  await ap.goto(`${P}/admin/invites`);
  assert.match(await ap.textContent("#invites"), /ivy@example\.com/);
  await shot(ap, "35-admin-invites");
  await narrow(`${P}/admin/invites`, "36-admin-invites-narrow");

  // Ivy signs up through the link and makes a passkey.
  const ictx = await browser();
  const ip = await ictx.newPage();
  await authenticator(ip);
  await ip.goto(link);
  await ip.click("button:has-text('Accept and continue')");
  await ip.waitForSelector("#passkey-create");
  await ip.click("#passkey-create");
  await ip.waitForURL((u) => !u.pathname.includes("/passkey/offer"));
  const who = await (await ip.request.get(`${P}/whoami`)).json();
  assert.equal(who.email, "ivy@example.com");
  // She is not an admin.
  const refused = await ip.goto(`${P}/admin`);
  assert.equal(refused.status(), 403);
  await shot(ip, "37-admin-not-admin");
  assert.equal((await ip.goto(`${P}/admin/groups`)).status(), 403);

  // A script on the portal's origin (as an application sharing it could
  // run) can neither read an admin page nor submit its forms by itself.
  await ap.goto(`${P}/admin/groups`);
  const fetched = await ap.evaluate(async (url) => (await fetch(url)).status, `${P}/admin/tokens`);
  assert.equal(fetched, 403, "a fetched admin page is refused");
  await ap.fill("#group-name", "scripted");
  // (Playwright's evaluate counts as a user gesture; a script of the app
  // has none, so the submit waits out the 5 s a gesture lasts.)
  await Promise.all([
    ap.waitForNavigation({ timeout: 15000 }),
    ap.evaluate(() => setTimeout(() => document.querySelector("form[action$='/admin/groups']").submit(), 5500)),
  ]);
  assert.match(await ap.textContent("h1"), /Open this page yourself/);
  await ap.goto(`${P}/admin/groups`);
  assert.ok(!(await ap.textContent("#group-list")).includes("scripted"), "nothing was created");

  // A group for her.
  await ap.goto(`${P}/admin/groups`);
  await ap.fill("#group-name", "qa");
  await ap.click("form[action$='/admin/groups'] button[type=submit]");
  await ap.waitForURL(/\/admin\/groups\/qa/);
  await ap.fill("#member-email", "ivy@example.com");
  await ap.click("form[action$='/admin/groups/qa/add'] button[type=submit]");
  await ap.waitForURL(/notice=joined/);
  assert.match(await ap.textContent("#members"), /ivy@example\.com/);
  await shot(ap, "38-admin-group");
  await narrow(`${P}/admin/groups/qa`, "39-admin-group-narrow");
  const grouped = await (await ip.request.get(`${P}/whoami`)).json();
  assert.ok(grouped.groups.includes("qa"), `her groups follow at once: ${JSON.stringify(grouped)}`);
  await ap.goto(`${P}/admin/groups`);
  await shot(ap, "40-admin-groups");
  await narrow(`${P}/admin/groups`, "41-admin-groups-narrow");

  // Her sign-up and sign-in are in the audit log and the activity chart.
  await ap.goto(`${P}/admin/audit?email=ivy%40example.com`);
  const events = await ap.textContent("#events");
  assert.match(events, /invite\.used|signup/, events);
  assert.match(events, /signin\./, events);
  await shot(ap, "42-admin-audit-person");
  await ap.goto(`${P}/admin/activity`);
  const summary = await ap.textContent("#activity-summary");
  const signins = Number((summary.match(/(\d+) sign-ins/) || [])[1]);
  assert.ok(signins >= 2, `the chart counts erin's and ivy's sign-ins: ${summary}`);
  assert.ok((await ap.locator("#activity-chart rect").count()) >= 1, "bars are drawn");
  await shot(ap, "43-admin-activity");
  await narrow(`${P}/admin/activity`, "44-admin-activity-narrow");

  // A service token, shown once.
  await ap.goto(`${P}/admin/tokens`);
  await ap.fill("#token-name", "ci-bot");
  await ap.fill("#token-groups", "deploy");
  await ap.click("form[action$='/admin/tokens'] button[type=submit]");
  await ap.waitForSelector("#token");
  assert.match(await ap.textContent("#token"), /pgt_/);
  await shot(ap, "45-admin-token-shown");
  await narrowHere("45-admin-token-shown-narrow");
  await ap.goto(`${P}/admin/tokens`);
  assert.match(await ap.textContent("#accounts"), /ci-bot/);
  await shot(ap, "46-admin-tokens");
  await narrow(`${P}/admin/tokens`, "47-admin-tokens-narrow");

  // Her page: end her session; her next request goes to sign in.
  await ap.goto(`${P}/admin?q=ivy`);
  await ap.click("#people li a >> nth=0");
  await ap.waitForURL(/\/admin\/people\//);
  const personUrl = ap.url().split("?")[0];
  assert.match(await ap.textContent("#groups"), /qa/);
  assert.ok((await ap.locator("#passkeys li").count()) === 1, "her passkey is listed");
  await shot(ap, "48-admin-person");
  await narrow(personUrl, "49-admin-person-narrow");
  await ap.click("form[action$='/end-session'] button");
  await ap.waitForURL(/notice=session_ended/);
  await ip.goto(`${BASE}/dashboard`);
  await ip.waitForURL(/\/\.passgate\/login\?rd=/);
  // Disable her.
  await ap.click("form[action$='/disable'] button");
  await ap.waitForURL(/notice=disabled/);
  assert.match(await ap.textContent(".lead, h1"), /disabled|ivy/);
  assert.ok((await ap.locator(".badge:has-text('disabled')").count()) >= 1, "marked disabled");
  await ap.goto(`${personUrl}/delete`);
  await shot(ap, "50-admin-delete");
  await narrow(`${personUrl}/delete`, "51-admin-delete-narrow");
  await ictx.close();
});

await scenario("admin pages: an admin signed in by email is sent to step-up with a passkey first", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  const { code } = await requestEmail(page, "erin@example.com");
  await page.goto(`${P}/email/code`);
  await page.fill("#email", "erin@example.com");
  await page.fill("#code", code);
  await page.click("button:has-text('Sign in')");
  await page.waitForSelector("text=Sign in faster next time");
  await page.click("#skip");
  await page.goto(`${P}/admin/groups`);
  await page.waitForURL(/\/\.passgate\/step-up\?rd=/);
  await shot(page, "52-admin-step-up");
  await ctx.close();
});

await scenario("pages fit a 360 px wide screen", async () => {
  const page = await state.ctx2.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  const narrow = [
    ["13-login-narrow", `${P}/login`],
    ["14-account-narrow", `${P}/account`],
    ["22-oidc-not-allowed-narrow", `${P}/oidc/authorize?response_type=code&scope=openid&client_id=ops-only&redirect_uri=${encodeURIComponent(APACHE + "/protected/redirect_uri")}`],
    ["23-oidc-end-session-narrow", `${P}/oidc/end-session?client_id=apache`],
  ];
  if (state.stepUpPage) {
    // The step-up page of a signed-in person, narrow.
    const p2 = await state.stepUpPage.context().newPage();
    await p2.setViewportSize({ width: 360, height: 740 });
    await p2.goto(`${P}/step-up?rd=${encodeURIComponent(BASE + "/sensitive/x")}`);
    const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `step-up: content overflows by ${overflow}px`);
    await shot(p2, "18-step-up-narrow");
  }
  for (const [name, url] of narrow) {
    await page.goto(url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: content overflows by ${overflow}px`);
    await shot(page, name);
  }
  // Keyboard: the first tab stop is the skip link, then the brand, then the main action.
  await page.goto(`${P}/logout`);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
});

await scenario("pages in German, French and Spanish fit 360 px and pass axe", async () => {
  const ctx = await browser();
  const page = await ctx.newPage();
  for (const lang of ["de", "fr", "es"]) {
    await page.setExtraHTTPHeaders({ "accept-language": lang });
    for (const [width, height, suffix] of [[1280, 900, ""], [360, 740, "-narrow"]]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${P}/login`);
      assert.equal(await page.getAttribute("html", "lang"), lang);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `login in ${lang}: content overflows by ${overflow}px`);
      await shot(page, `25-login-${lang}${suffix}`);
    }
  }
  // The language links switch, and the choice sticks.
  await page.setExtraHTTPHeaders({ "accept-language": "de" });
  await page.goto(`${P}/login`);
  await page.click("footer .langs a[lang=es]");
  await page.waitForURL(`${P}/login`);
  assert.equal(await page.getAttribute("html", "lang"), "es");
  await page.goto(`${P}/login`);
  assert.equal(await page.getAttribute("html", "lang"), "es");
  await ctx.close();
});

await scenario("no page broke its Content-Security-Policy", async () => {
  assert.deepEqual(cspViolations, []);
});

await scenario("no page has a serious or critical accessibility finding (axe-core)", async () => {
  assert.deepEqual(axeFindings, []);
});

for (const c of contexts) await c.close().catch(() => {});
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
