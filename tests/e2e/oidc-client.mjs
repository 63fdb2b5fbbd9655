// passgate's OpenID provider as openid-client (a certified relying-party
// library: discovery, PKCE, ID token validation against the JWKS, nonce,
// at_hash, iss in the authorization response) sees it. Run by
// tests/it/oidc.rs with:
//   ISSUER, CLIENT_ID, CLIENT_SECRET (empty: a public client), REDIRECT_URI,
//   POST_LOGOUT (a registered post_logout_redirect_uri), ALG (RS256|ES256),
//   COOKIE (the browser's session cookie, "name=value").
// The browser's part (following the authorization URL with its cookie) is
// done with fetch; everything else is the library's. Prints one JSON object.
import * as client from 'openid-client';

const env = (k) => process.env[k] ?? '';
const out = {};

async function failure(promise) {
  try {
    await promise;
    return 'succeeded';
  } catch (e) {
    return e.error ?? e.code ?? e.message;
  }
}

const auth = env('CLIENT_SECRET') ? client.ClientSecretBasic(env('CLIENT_SECRET')) : client.None();
const config = await client.discovery(
  new URL(env('ISSUER')),
  env('CLIENT_ID'),
  { id_token_signed_response_alg: env('ALG') || 'RS256' },
  auth,
  { execute: [client.allowInsecureRequests] },
);
out.issuer = config.serverMetadata().issuer;

// The browser: open the authorization URL with the session cookie; passgate
// sends it back to the app with a code.
async function signIn(scope) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: env('REDIRECT_URI'),
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const r = await fetch(url, { headers: { cookie: env('COOKIE') }, redirect: 'manual' });
  const location = r.headers.get('location');
  if (!location || !location.startsWith(env('REDIRECT_URI'))) {
    throw new Error(`authorize answered ${r.status} to ${location}`);
  }
  const tokens = await client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, location };
}

const first = await signIn('openid profile email groups offline_access');
const claims = first.tokens.claims();
out.id_token = claims;
out.id_token_alg = JSON.parse(Buffer.from(first.tokens.id_token.split('.')[0], 'base64url')).alg;
out.scope = first.tokens.scope;
out.has_refresh = typeof first.tokens.refresh_token === 'string';
out.userinfo = await client.fetchUserInfo(config, first.tokens.access_token, claims.sub);

// Refresh: a new refresh token each time; the old one coming back revokes
// the family (the new one stops working too).
const refreshed = await client.refreshTokenGrant(config, first.tokens.refresh_token);
out.refresh_rotated = refreshed.refresh_token !== first.tokens.refresh_token;
out.refreshed_sub = refreshed.claims()?.sub;
out.refreshed_userinfo = (await client.fetchUserInfo(config, refreshed.access_token, claims.sub)).sub;
out.old_refresh_reused = await failure(client.refreshTokenGrant(config, first.tokens.refresh_token));
out.new_refresh_after_reuse = await failure(client.refreshTokenGrant(config, refreshed.refresh_token));
out.access_after_reuse = await failure(client.fetchUserInfo(config, refreshed.access_token, claims.sub));

// Revocation (RFC 7009): the refresh token and the grant's access tokens end.
const second = await signIn('openid email');
out.narrow_scope = second.tokens.scope;
out.narrow_has_refresh = typeof second.tokens.refresh_token === 'string';
out.narrow_userinfo = await client.fetchUserInfo(config, second.tokens.access_token, claims.sub);
const third = await signIn('openid offline_access');
await client.tokenRevocation(config, third.tokens.refresh_token);
out.refresh_after_revoke = await failure(client.refreshTokenGrant(config, third.tokens.refresh_token));
out.access_after_revoke = await failure(client.fetchUserInfo(config, third.tokens.access_token, claims.sub));

// The code cannot be exchanged twice.
const again = new URL(second.location);
out.code_reused = await failure(
  client.authorizationCodeGrant(config, again, {
    pkceCodeVerifier: 'x'.repeat(43),
    expectedState: again.searchParams.get('state'),
  }),
);
out.access_after_code_reuse = await failure(client.fetchUserInfo(config, second.tokens.access_token, claims.sub));

// RP-initiated logout with the ID token as hint: straight back to the app,
// signed out.
const fourth = await signIn('openid');
const endUrl = client.buildEndSessionUrl(config, {
  id_token_hint: fourth.tokens.id_token,
  post_logout_redirect_uri: env('POST_LOGOUT'),
  state: 'bye',
});
const end = await fetch(endUrl, { headers: { cookie: env('COOKIE') }, redirect: 'manual' });
out.end_session = { status: end.status, location: end.headers.get('location'), set_cookie: end.headers.get('set-cookie') ?? '' };
out.access_after_logout = await failure(client.fetchUserInfo(config, fourth.tokens.access_token, claims.sub));

console.log(JSON.stringify(out));
