// Verify a Sigstore bundle with a public key using @sigstore/verify (sigstore-js), independently
// of cargo-cra.
//
//   node verify-bundle.mjs --key KEY.pub --bundle BUNDLE.sigstore.json ARTIFACT
//
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
    else if (argv[i] === '--bundle') out.bundle = argv[++i];
    else out.positional.push(argv[i]);
  }
  if (!out.key || !out.bundle || out.positional.length !== 1) {
    throw new Error('usage: verify-bundle.mjs --key KEY.pub --bundle BUNDLE ARTIFACT');
  }
  return out;
}

try {
  const args = parseArgs(process.argv.slice(2));
  const artifact = readFileSync(args.positional[0]);
  const bundle = bundleFromJSON(JSON.parse(readFileSync(args.bundle, 'utf8')));
  const publicKey = createPublicKey(readFileSync(args.key));
  const emptyRoot = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  });
  const trust = toTrustMaterial(emptyRoot, () => ({ publicKey, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundle, artifact));
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
