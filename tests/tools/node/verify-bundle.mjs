// Verify a Sigstore bundle using @sigstore/verify (sigstore-js), independently of cargo-cra.
//
//   node verify-bundle.mjs --key KEY.pub --bundle BUNDLE.sigstore.json ARTIFACT
//   node verify-bundle.mjs --trusted-root ROOT.json --certificate-identity SAN
//        --certificate-oidc-issuer ISSUER --bundle BUNDLE.sigstore.json ARTIFACT
//
// With a key, no transparency-log entry is required (key-based bundles have none). With a
// trusted root (keyless), the certificate must chain to it with a verifying SCT, the bundle must
// carry a verifying Rekor entry, and the certificate must name the identity and issuer.
// Message signatures are checked over the artifact's bytes. For DSSE bundles the envelope
// signature is checked and, separately, that the in-toto statement names the artifact's
// SHA-256 as a subject. No transparency-log entry is required (key-based bundles have none).
// Prints "OK" and exits 0, or prints the failure and exits 1.
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

function parseArgs(argv) {
  const out = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--key') out.key = argv[++i];
    else if (argv[i] === '--trusted-root') out.root = argv[++i];
    else if (argv[i] === '--certificate-identity') out.identity = argv[++i];
    else if (argv[i] === '--certificate-oidc-issuer') out.issuer = argv[++i];
    else if (argv[i] === '--bundle') out.bundle = argv[++i];
    else out.positional.push(argv[i]);
  }
  const keyless = out.root && out.identity && out.issuer;
  if ((!out.key && !keyless) || !out.bundle || out.positional.length !== 1) {
    throw new Error('usage: verify-bundle.mjs (--key KEY.pub | --trusted-root R --certificate-identity I --certificate-oidc-issuer O) --bundle BUNDLE ARTIFACT');
  }
  return out;
}

try {
  const args = parseArgs(process.argv.slice(2));
  const artifact = readFileSync(args.positional[0]);
  const bundle = bundleFromJSON(JSON.parse(readFileSync(args.bundle, 'utf8')));
  if (args.key) {
    const publicKey = createPublicKey(readFileSync(args.key));
    const emptyRoot = TrustedRoot.fromJSON({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
    });
    const trust = toTrustMaterial(emptyRoot, () => ({ publicKey, validFor: () => true }));
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    verifier.verify(toSignedEntity(bundle, artifact));
  } else {
    const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(args.root, 'utf8')));
    const verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    verifier.verify(toSignedEntity(bundle, artifact), {
      subjectAlternativeName: args.identity,
      extensions: { issuer: args.issuer },
    });
  }
  if (bundle.content.$case === 'dsseEnvelope') {
    const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
    const sha256 = createHash('sha256').update(artifact).digest('hex');
    if (!statement.subject.some((s) => s.digest && s.digest.sha256 === sha256)) {
      throw new Error(`no subject of the statement has the artifact's sha256 ${sha256}`);
    }
  }
  console.log('OK');
} catch (e) {
  console.log(`FAILED: ${e.code ? e.code + ': ' : ''}${e.message}`);
  process.exit(1);
}
