// A real OpenID Connect provider for the SSO tests: `node provider.js PORT CONTROL_FILE`.
// CONTROL_FILE is JSON the tests rewrite while it runs:
//   {"redirect_uri": "...", "post_logout_redirect_uri": "...",
//    "accounts": {"<id>": {"email": "...", "name": "...", "groups": ["..."]}},
//    "tamper": false}
// Accounts are read at every sign-in, so a test changes a user's groups by rewriting the
// file. With "tamper": true the token endpoint's ID token gets one byte of its signature
// changed on the way out, as an attacker in the middle would. Each start makes a new
// signing key, so restarting the provider rotates its keys.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const [port, controlFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const control = () => JSON.parse(readFileSync(controlFile, 'utf8'));
const start = control();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'infotavle',
    client_secret: 'infotavle-test-secret',
    redirect_uris: [start.redirect_uri],
    post_logout_redirect_uris: [start.post_logout_redirect_uri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomUUID()] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  conformIdTokenClaims: false, // the groups claim goes into the ID token itself
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  // First-party client: consent is implied, so the journey is just the sign-in form.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = control().accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          groups: account.groups,
        };
      },
    };
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token && control().tamper) {
    const token = ctx.body.id_token;
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    ctx.body = { ...ctx.body, id_token: `${token.slice(0, -2)}${last}${token.at(-1)}` };
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
