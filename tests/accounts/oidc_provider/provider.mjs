// A real OpenID Connect provider for the tests, playing ProConnect: panva's
// oidc-provider with one confidential client, ProConnect's scopes and claims
// (usual_name, siret, organizational_unit, idp_id…), acr « eidas1 », a userinfo
// answered as a signed JWT, and RP-initiated logout.
//
// Usage: node provider.mjs '{"redirect_uris": [...], "post_logout_redirect_uris": [...]}'
// (or '{"port": 4321, "any_local_port": true}' for the browser tests).
// Prints one JSON line {"issuer": …} once it listens (on a free port of 127.0.0.1).
//
// The sign-in page is a trivial form: the address typed is the account; hidden
// fields (the tests fill them) set the other claims, and « tamper » makes the
// token endpoint answer with a spoiled ID token: « signature » (one byte of the
// signature changed), « audience » or « nonce » (re-signed with the provider's
// own key for another client, or another nonce), or « userinfo_sub » makes
// userinfo name another sub than the ID token. Hidden fields « acr » (eidas1,
// eidas2, eidas3), « amr » (comma-separated) and « sub » (instead of the one
// derived from the address) set the sign-in's level, methods and subject.
import { createHash } from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] || '{}');
const CLIENT_ID = options.client_id || 'amorce-test';
const CLIENT_SECRET = options.client_secret || 'amorce-test-secret';

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const accounts = new Map(); // sub -> claims
const CLAIM_FIELDS = ['given_name', 'usual_name', 'siret', 'organizational_unit', 'idp_id', 'uid', 'tamper'];

function subFor(email) {
  return createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 24);
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

const server = http.createServer();
await new Promise((resolve) => server.listen(options.port || 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: options.redirect_uris || ['http://127.0.0.1/proconnect/callback/'],
    post_logout_redirect_uris: options.post_logout_redirect_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256', // as ProConnect: application/jwt
  }],
  jwks: { keys: [signingJwk] },
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    openid: ['sub', 'amr'], // amr, when the sign-in gives one
    email: ['email', 'email_verified'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    siret: ['siret'],
    organizational_unit: ['organizational_unit'],
    idp_id: ['idp_id'],
    uid: ['uid'],
  },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Se déconnecter', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Se déconnecter</button>`);
      },
    },
  },
  pkce: { required: () => false },
  async findAccount(ctx, sub) {
    const claims = accounts.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    // No consent screen: what the client asks is granted.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    grant.addOIDCClaims(['email', 'email_verified', ...CLAIM_FIELDS]);
    await grant.save();
    return grant;
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
});
provider.proxy = false;
if (options.any_local_port) {
  // The browser tests' server picks its port after this provider is planned:
  // any port of 127.0.0.1 is accepted, the paths stay exact.
  const local = (uri, path) => new RegExp(`^http://127\\.0\\.0\\.1:\\d+${path}$`).test(uri);
  provider.Client.prototype.redirectUriAllowed = (uri) => local(uri, '/proconnect/callback/');
  provider.Client.prototype.postLogoutRedirectUriAllowed = (uri) => local(uri, '/admin/login/');
}

// The sign-in form, and the spoiled ID tokens.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (match) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = page('Fournisseur d’identité de test', `
<p>Demande de ${escape(details.params.client_id)}, acr « ${escape(details.params.acr_values || '')} ».</p>
<form method="post" action="/interaction/${escape(details.uid)}">
  <label for="email">Adresse électronique</label>
  <input id="email" name="email" type="email" autocomplete="email" required>
  <input type="hidden" name="email_verified" value="true">
  <button type="submit">Se connecter</button>
</form>`);
      return;
    }
    const form = await readForm(ctx.req);
    const email = form.get('email') || '';
    const sub = form.get('sub') || subFor(email);
    const claims = { email, email_verified: form.get('email_verified') !== 'false' };
    if (form.get('no_email') === 'true') delete claims.email;
    if (form.get('email_verified') === 'absent') delete claims.email_verified;
    for (const field of CLAIM_FIELDS) {
      if (form.get(field)) claims[field] = form.get(field);
    }
    accounts.set(sub, claims);
    const login = { accountId: sub, acr: form.get('acr') || 'eidas1' };
    if (form.get('amr')) login.amr = form.get('amr').split(',');
    await provider.interactionFinished(ctx.req, ctx.res, { login }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  await next();
  if (ctx.path === '/me' && ctx.status === 200 && typeof ctx.body === 'string') {
    const payload = jose.decodeJwt(ctx.body);
    if (accounts.get(payload.sub)?.tamper === 'userinfo_sub') {
      ctx.body = await new jose.SignJWT({ ...payload, sub: 'someone-else' })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .sign(privateKey);
    }
  }
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const token = ctx.body.id_token;
    const payload = jose.decodeJwt(token);
    const tamper = accounts.get(payload.sub)?.tamper;
    if (tamper === 'signature') {
      const [header, body, signature] = token.split('.');
      const flipped = (signature[10] === 'A' ? 'B' : 'A');
      ctx.body = { ...ctx.body, id_token: `${header}.${body}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}` };
    } else if (tamper === 'audience' || tamper === 'nonce') {
      const changed = tamper === 'audience' ? { aud: 'another-client' } : { nonce: 'another-nonce' };
      const resigned = await new jose.SignJWT({ ...payload, ...changed })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .sign(privateKey);
      ctx.body = { ...ctx.body, id_token: resigned };
    }
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
