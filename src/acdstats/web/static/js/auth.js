// Sign-in. A credentials.json's private key is imported into WebCrypto as a non-extractable
// key: it stays in this tab's memory, signs short-lived RS256 tokens here and is never sent
// anywhere. Signing out drops the only reference to it. A pasted token is used as it is.

export const TOKEN_TTL_S = 120; // lifetime of each token the page signs (the server allows 3600)
const RENEW_BEFORE_S = 30; // sign a fresh token when the current one has less left than this
const TRUSTED_SKEW_S = 5; // server clock differences below this are left alone

export class SignInError extends Error {}

const encoder = new TextEncoder();

export function base64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64urlJson(value) {
  return base64url(encoder.encode(JSON.stringify(value)));
}

function decodeBase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  return atob(padded);
}

// The DER bytes of a PKCS#8 PEM private key.
export function pkcs8Der(pem) {
  if (/-----BEGIN RSA PRIVATE KEY-----/.test(pem)) {
    throw new SignInError(
      "The private key is in PKCS#1 form (BEGIN RSA PRIVATE KEY); acdstats keys are PKCS#8 " +
        "(BEGIN PRIVATE KEY). Convert it with: openssl pkcs8 -topk8 -nocrypt",
    );
  }
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new SignInError("private_key is not a PEM private key (BEGIN PRIVATE KEY)");
  let raw;
  try {
    raw = atob(match[1].replace(/\s+/g, ""));
  } catch {
    throw new SignInError("private_key's PEM body is not base64");
  }
  const der = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) der[i] = raw.charCodeAt(i);
  return der.buffer;
}

// A parsed credentials.json (SPEC 2) with its key imported for signing.
export async function keyFromCredentials(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SignInError("This file is not JSON: choose the credentials.json of a key");
  }
  if (!doc || typeof doc !== "object") throw new SignInError("credentials.json is not an object");
  const missing = ["account_id", "key_id", "private_key"].filter((k) => !(k in doc));
  if (missing.length) {
    throw new SignInError(`credentials.json has no ${missing.join(", ")}: is it a key's file?`);
  }
  if (!globalThis.crypto || !crypto.subtle) {
    throw new SignInError(
      "This page is not a secure context (HTTPS, or http://127.0.0.1 / localhost), so the " +
        "browser offers no WebCrypto to sign with. Open it over HTTPS, or paste a token.",
    );
  }
  let key;
  try {
    key = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8Der(String(doc.private_key)),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false, // not extractable: the page itself cannot read the key back
      ["sign"],
    );
  } catch (err) {
    if (err instanceof SignInError) throw err;
    throw new SignInError(`The private key could not be read as an RSA key (${err.message})`);
  }
  return {
    key,
    keyId: String(doc.key_id),
    accountId: String(doc.account_id),
    email: doc.account_email ? String(doc.account_email) : "",
  };
}

export async function signJwt(key, keyId, accountId, iat, ttl = TOKEN_TTL_S) {
  const header = { alg: "RS256", typ: "JWT", kid: keyId };
  const claims = { iss: accountId, iat, exp: iat + ttl };
  const input = `${base64urlJson(header)}.${base64urlJson(claims)}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, encoder.encode(input));
  return `${input}.${base64url(signature)}`;
}

// The claims of a token, read without checking it (the server checks it).
export function peekToken(token) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SignInError("This is not a JWT (three dot-separated parts)");
  try {
    return {
      header: JSON.parse(decodeBase64url(parts[0])),
      claims: JSON.parse(decodeBase64url(parts[1])),
    };
  } catch {
    throw new SignInError("This is not a JWT: its parts are not base64url JSON");
  }
}

// What the page signs in with: a key (fresh tokens on demand) or one pasted token.
export class Session {
  constructor({ key = null, keyId, accountId, email = "", token = null }) {
    this.key = key;
    this.keyId = keyId;
    this.accountId = accountId;
    this.email = email;
    this.pasted = token;
    this.current = null; // {token, exp}
    this.offsetS = 0; // server clock minus this browser's clock, when they differ
  }

  static async fromCredentials(text) {
    return new Session(await keyFromCredentials(text));
  }

  static fromToken(text) {
    const token = text.trim().replace(/^Bearer\s+/i, "");
    const { header, claims } = peekToken(token);
    return new Session({ keyId: String(header.kid ?? ""), accountId: String(claims.iss ?? ""), token });
  }

  get label() {
    const who = this.email ? `${this.email}, ` : "";
    return `${who}account ${this.accountId}, key ${this.keyId.slice(0, 8)}${this.pasted ? " (pasted token)" : ""}`;
  }

  nowS() {
    return Math.floor(Date.now() / 1000) + this.offsetS;
  }

  async bearer() {
    if (this.pasted) return this.pasted;
    const now = this.nowS();
    if (!this.current || this.current.exp - now < RENEW_BEFORE_S) {
      const token = await signJwt(this.key, this.keyId, this.accountId, now);
      this.current = { token, exp: now + TOKEN_TTL_S };
    }
    return this.current.token;
  }

  // After a token was refused for its times (455, 456): follow the server's clock (its Date
  // header) and sign again. False when there is nothing to re-sign (a pasted token).
  syncClock(dateHeader) {
    if (this.pasted) return false;
    const server = Date.parse(dateHeader || "");
    if (Number.isNaN(server)) return false;
    const offset = Math.round((server - Date.now()) / 1000);
    this.offsetS = Math.abs(offset) > TRUSTED_SKEW_S ? offset : 0;
    this.current = null;
    return true;
  }

  forget() {
    this.key = null;
    this.pasted = null;
    this.current = null;
  }
}
