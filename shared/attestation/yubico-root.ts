/**
 * Yubico's PIV attestation root, the public trust anchor of every YubiKey's
 * factory attestation certificate (slot f9) up to firmware 5.7.3.
 *
 *   Subject:  CN=Yubico PIV Root CA Serial 263751 (self-signed, RSA 2048, sha256WithRSAEncryption)
 *   Validity: 2016-03-14 to 2052-04-17; basicConstraints CA:TRUE, pathlen:1
 *   SHA-256:  63:EC:E9:14:E5:4D:D8:79:15:F3:40:33:C8:5A:F4:C0:69:6B:A1:51:2F:8A:DD:66:CE:D7:38:33:12:07:B5:46
 *
 * Published by Yubico at https://developers.yubico.com/PIV/Introduction/piv-attestation-ca.pem
 * (see https://developers.yubico.com/PIV/Introduction/PIV_attestation.html). Taken from
 * github.com/go-piv/piv-go, piv/key.go (`yubicoPIVCAPEMAfter2018`, commit 5a76b44), which cites
 * that URL; the same bytes appear in other public verifiers, and the fingerprint above was
 * computed here with `openssl x509 -noout -fingerprint -sha256`. This is the 2018 reissue
 * (same key and serial, pathlen 1 instead of 0) that lets the device's f9 certificate, itself
 * a CA, sign the slot attestations below it; tests/attestation checks the fingerprint.
 *
 * Firmware 5.7.4 and later attest under a newer chain (Yubico Attestation Root 1 through
 * intermediates the device does not carry, doc/Attestation.adoc in Yubico/yubico-piv-tool):
 * a policy names the certificate that issued the device's f9 certificate in `attestation.roots`.
 */
import { fromPem } from '../encoding/pem';

export const yubicoPivAttestationRootPem = `-----BEGIN CERTIFICATE-----
MIIDFzCCAf+gAwIBAgIDBAZHMA0GCSqGSIb3DQEBCwUAMCsxKTAnBgNVBAMMIFl1
YmljbyBQSVYgUm9vdCBDQSBTZXJpYWwgMjYzNzUxMCAXDTE2MDMxNDAwMDAwMFoY
DzIwNTIwNDE3MDAwMDAwWjArMSkwJwYDVQQDDCBZdWJpY28gUElWIFJvb3QgQ0Eg
U2VyaWFsIDI2Mzc1MTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMN2
cMTNR6YCdcTFRxuPy31PabRn5m6pJ+nSE0HRWpoaM8fc8wHC+Tmb98jmNvhWNE2E
ilU85uYKfEFP9d6Q2GmytqBnxZsAa3KqZiCCx2LwQ4iYEOb1llgotVr/whEpdVOq
joU0P5e1j1y7OfwOvky/+AXIN/9Xp0VFlYRk2tQ9GcdYKDmqU+db9iKwpAzid4oH
BVLIhmD3pvkWaRA2H3DA9t7H/HNq5v3OiO1jyLZeKqZoMbPObrxqDg+9fOdShzgf
wCqgT3XVmTeiwvBSTctyi9mHQfYd2DwkaqxRnLbNVyK9zl+DzjSGp9IhVPiVtGet
X02dxhQnGS7K6BO0Qe8CAwEAAaNCMEAwHQYDVR0OBBYEFMpfyvLEojGc6SJf8ez0
1d8Cv4O/MA8GA1UdEwQIMAYBAf8CAQEwDgYDVR0PAQH/BAQDAgEGMA0GCSqGSIb3
DQEBCwUAA4IBAQBc7Ih8Bc1fkC+FyN1fhjWioBCMr3vjneh7MLbA6kSoyWF70N3s
XhbXvT4eRh0hvxqvMZNjPU/VlRn6gLVtoEikDLrYFXN6Hh6Wmyy1GTnspnOvMvz2
lLKuym9KYdYLDgnj3BeAvzIhVzzYSeU77/Cupofj093OuAswW0jYvXsGTyix6B3d
bW5yWvyS9zNXaqGaUmP3U9/b6DlHdDogMLu3VLpBB9bm5bjaKWWJYgWltCVgUbFq
Fqyi4+JE014cSgR57Jcu3dZiehB6UtAPgad9L5cNvua/IWRmm+ANy3O2LH++Pyl8
SREzU8onbBsjMg9QDiSf5oJLKvd/Ren+zGY7
-----END CERTIFICATE-----
`;

/** Lowercase hex SHA-256 of the DER certificate above: a test holds the constant to it. */
export const yubicoPivAttestationRootSha256 = '63ece914e54dd87915f34033c85af4c0696ba1512f8add66ced738331207b546';

let rootDer: Uint8Array | undefined;

/** The root above as DER, decoded once: the anchor of every attestation requirement that names no roots of its own. */
export function yubicoPivAttestationRoot(): Uint8Array {
  return (rootDer ??= fromPem('CERTIFICATE', yubicoPivAttestationRootPem));
}
