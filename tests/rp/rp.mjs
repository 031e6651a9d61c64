// A publisher's relying party on openid-client (OpenID Certified), as small as it gets. The test
// suite (tests/e2e/test_certified_rp.py) starts it against Basispoort's test server and drives a
// browser through it. It knows only the issuer, its client id and secret, and its own port:
//
//   node rp.mjs <issuer> <client_id> <client_secret> <port> [basic|post]
//
//   GET /login?prompt=&max_age=&scope=  starts a login (PKCE S256, state, nonce)
//   GET /cb                             finishes it: every check openid-client makes, then userinfo
//   GET /refresh                        refresh-token grant with the last tokens
//   GET /logout                         RP-initiated logout with the last ID token
//   GET /loggedout                      where Basispoort sends the browser after logout
//
// Each answer is JSON: {"ok": true, ...} or {"ok": false, "name", "error", "message"}.

import http from "node:http";
import * as client from "openid-client";

const [issuer, clientId, clientSecret, port, auth = "basic"] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const clientAuth = auth === "post" ? client.ClientSecretPost(clientSecret) : client.ClientSecretBasic(clientSecret);
// The test server speaks plain HTTP; a real publisher talks to Basispoort over HTTPS only.
const config = await client.discovery(new URL(issuer), clientId, undefined, clientAuth, {
  execute: [client.allowInsecureRequests],
});

const started = new Map(); // state -> {verifier, nonce, maxAge}
let last = null; // the last token response

async function handle(url) {
  if (url.pathname === "/login") {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const maxAge = url.searchParams.get("max_age");
    started.set(state, { verifier, nonce, maxAge: maxAge === null ? undefined : Number(maxAge) });
    const parameters = {
      redirect_uri: `${base}/cb`,
      scope: url.searchParams.get("scope") || "openid",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    };
    for (const name of ["prompt", "max_age"]) {
      if (url.searchParams.get(name) !== null) parameters[name] = url.searchParams.get(name);
    }
    return { redirect: client.buildAuthorizationUrl(config, parameters).href };
  }
  if (url.pathname === "/cb") {
    const check = started.get(url.searchParams.get("state")) || {};
    const tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: check.verifier,
      expectedState: url.searchParams.get("state"),
      expectedNonce: check.nonce,
      maxAge: check.maxAge,
      idTokenExpected: true,
    });
    last = tokens;
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { json: { ok: true, claims, userinfo, scope: tokens.scope } };
  }
  if (url.pathname === "/refresh") {
    const tokens = await client.refreshTokenGrant(config, last.refresh_token);
    const claims = tokens.claims();
    last = { ...tokens, id_token: tokens.id_token || last.id_token };
    return { json: { ok: true, claims } };
  }
  if (url.pathname === "/logout") {
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: last.id_token,
      post_logout_redirect_uri: `${base}/loggedout`,
      state: "tot-ziens",
    });
    return { redirect: endSession.href };
  }
  if (url.pathname === "/loggedout") {
    return { json: { ok: true, state: url.searchParams.get("state") } };
  }
  return { status: 404, json: { ok: false, error: "not_found" } };
}

http
  .createServer(async (request, response) => {
    let answer;
    try {
      answer = await handle(new URL(request.url, base));
    } catch (error) {
      answer = {
        json: {
          ok: false, name: error.name, code: error.code, error: error.error,
          error_description: error.error_description, message: error.message,
        },
      };
    }
    if (answer.redirect) {
      response.writeHead(302, { Location: answer.redirect });
      response.end();
    } else {
      response.writeHead(answer.status || 200, { "Content-Type": "application/json" });
      response.end(JSON.stringify(answer.json, null, 1));
    }
  })
  .listen(Number(port), "127.0.0.1", () => console.log(`ready ${base}`));
