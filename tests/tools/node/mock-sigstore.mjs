// A Sigstore instance for tests, on 127.0.0.1: Fulcio, Rekor and a timestamp authority from
// @sigstore/mock (its request handlers; this HTTP server around them is ours).
//
//   node mock-sigstore.mjs OUT_DIR
//
// Writes OUT_DIR/trusted_root.json for this instance, then prints one JSON line
// {"url": "http://127.0.0.1:PORT"} and serves until killed. Services:
//   POST /api/v2/signingCert   Fulcio (OIDC token signatures are NOT checked by the mock)
//   POST /api/v1/log/entries   Rekor v1 (entries are logged as sent; DSSE entries are not
//                              canonicalised the way production Rekor does)
//   POST /api/v1/timestamp     RFC 3161 timestamp authority
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler,
} from '@sigstore/mock';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: mock-sigstore.mjs OUT_DIR');
  process.exit(2);
}
const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let handlers = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const path = new URL(req.url, 'http://x').pathname;
    const handler = handlers.find((h) => h.path === path);
    if (!handler || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `no such endpoint: ${req.method} ${path}` }));
      return;
    }
    try {
      const { statusCode, response, contentType } = await handler.fn(Buffer.concat(chunks).toString());
      res.writeHead(statusCode, { 'content-type': contentType || 'application/json' });
      res.end(response);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(e) }));
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

const ctlog = await initializeCTLog(keyPair());
const ca = await initializeCA(keyPair(), ctlog);
const tlog = await initializeTLog(url, keyPair());
const tsa = await initializeTSA(keyPair());
// The mock stamps the current time to the millisecond, and DER drops trailing zeros of the
// fraction ("…05.12Z"); @sigstore/core only reads three-digit fractions and refuses such a
// token as "invalid time" (one token in ten). Whole seconds are read by every verifier.
tsa.getCurrentTime = () => new Date(Math.floor(Date.now() / 1000) * 1000);
handlers = [fulcioHandler(ca, { strict: true }), rekorHandler(tlog), tsaHandler(tsa)];

// Keys are trusted from an hour ago, so that clock skew between processes does not matter.
const start = new Date(Date.now() - 3600 * 1000).toISOString();
const b64 = (buf) => Buffer.from(buf).toString('base64');
const keyId = (der) => b64(createHash('sha256').update(der).digest());
const trustedRoot = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [{
    baseUrl: url, hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: keyId(tlog.publicKey) },
  }],
  certificateAuthorities: [{
    subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: url,
    certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: { start },
  }],
  ctlogs: [{
    baseUrl: url, hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: b64(ctlog.logID) },
  }],
  timestampAuthorities: [{
    subject: { organization: 'sigstore.mock', commonName: 'tsa' }, uri: url,
    certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
    validFor: { start },
  }],
};
writeFileSync(join(outDir, 'trusted_root.json'), JSON.stringify(trustedRoot, null, 2));
console.log(JSON.stringify({ url }));
