"""Checks DSSE signatures with securesystemslib (Debian's python3-securesystemslib),
an implementation Conclave did not write, over a PAE computed here from the DSSE
specification (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md),
not by Conclave.

Input (stdin, JSON):
  {"keys": ["-----BEGIN PUBLIC KEY-----...", ...],
   "envelopes": [{"label": "...", "envelope": {...DSSE...}, "bundle": {...Sigstore bundle...} | null,
                  "rsaScheme": "rsa-pkcs1v15-sha256" | "rsassa-pss-sha256"}]}
For an envelope, each signature's key is found by its keyid; for a Sigstore bundle
(whose DSSE keyid is empty) by its public-key hint, or the key of its certificate.
A key's keyid is computed here: lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.

Output (stdout, JSON): one entry per signature, {"label", "index", "keyid", "verified", "reason"}.
"""

import base64
import hashlib
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from securesystemslib.signer import Signature, SSlibKey


def pae(payload_type: str, body: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)


def keyid_of(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def sslib_key(keyid: str, public_key, rsa_scheme: str) -> SSlibKey:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        scheme = {"secp256r1": "ecdsa-sha2-nistp256", "secp384r1": "ecdsa-sha2-nistp384"}[public_key.curve.name]
        keytype, public = "ecdsa", public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        scheme = keytype = "ed25519"
        public = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    elif isinstance(public_key, rsa.RSAPublicKey):
        keytype, scheme = "rsa", rsa_scheme
        public = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    else:
        raise ValueError("unsupported key type")
    return SSlibKey.from_dict(keyid, {"keytype": keytype, "scheme": scheme, "keyval": {"public": public}})


def main() -> None:
    request = json.load(sys.stdin)
    keys = {}
    for pem in request["keys"]:
        public_key = serialization.load_pem_public_key(pem.encode())
        keys[keyid_of(public_key)] = public_key
    results = []
    for item in request["envelopes"]:
        envelope = item["envelope"]
        bundle = item.get("bundle")
        rsa_scheme = item.get("rsaScheme", "rsa-pkcs1v15-sha256")
        body = base64.b64decode(envelope["payload"], validate=True)
        message = pae(envelope["payloadType"], body)
        for index, signature in enumerate(envelope["signatures"]):
            keyid = signature.get("keyid", "")
            reason = ""
            if keyid == "" and bundle is not None:
                material = bundle["verificationMaterial"]
                if "publicKey" in material:
                    keyid = material["publicKey"]["hint"]
                elif "certificate" in material:
                    certificate = x509.load_der_x509_certificate(base64.b64decode(material["certificate"]["rawBytes"]))
                    keyid = keyid_of(certificate.public_key())
                    keys.setdefault(keyid, certificate.public_key())
            public_key = keys.get(keyid)
            verified = False
            if public_key is None:
                reason = "no key has this keyid"
            else:
                key = sslib_key(keyid, public_key, rsa_scheme)
                try:
                    key.verify_signature(Signature(keyid, base64.b64decode(signature["sig"], validate=True).hex()), message)
                    verified = True
                except Exception as error:  # securesystemslib raises UnverifiedSignatureError or VerificationError
                    reason = f"{type(error).__name__}: {error}"
            results.append({"label": item["label"], "index": index, "keyid": keyid, "verified": verified, "reason": reason})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
