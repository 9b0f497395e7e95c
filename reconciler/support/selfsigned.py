"""A throwaway certificate authority and serving certificate, for embedded HTTPS servers.

    cert = write_serving_cert(Path("/tmp/state"), ["127.0.0.1", "localhost"])
    cert.ca_pem      # what clients trust (a kubeconfig's `certificate-authority-data`)
    cert.cert_file   # /tmp/state/serving.crt, signed by that authority, for those names
    cert.key_file    # /tmp/state/serving.key, readable by its owner only

A fresh authority each time: its key is never written anywhere, so nothing but this one serving
certificate is ever signed by it, and trusting it trusts nothing else. EC P-256 keys (fast to
make), valid for a year, with the extensions strict verifiers (Go's crypto/x509, OpenSSL 3
with X509_STRICT) expect: a critical CA basic constraint, key identifiers, `serverAuth`, and
subject alternative names (IP addresses as IP entries, anything else as DNS names).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE, KEY_FILE = "serving.crt", "serving.key"
VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class ServingCert:
    ca_pem: bytes
    cert_file: Path
    key_file: Path


def _names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for host in dict.fromkeys(h for h in hosts if h):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            out.append(x509.DNSName(host))
    return out


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey],
    *,
    ca: bool,
    hosts: Sequence[str] = (),
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # clock skew
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write_serving_cert(directory: Path, hosts: Sequence[str]) -> ServingCert:
    """Make an authority and a certificate for `hosts`; write the certificate and its key
    (mode 0600) into `directory`; return them with the authority's PEM."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("localcluster-ca", ca_key, ("localcluster-ca", ca_key), ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("localcluster", key, ("localcluster-ca", ca_key), ca=False, hosts=hosts)
    directory.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = directory / KEY_FILE, directory / CERT_FILE
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ServingCert(ca_cert.public_bytes(serialization.Encoding.PEM), cert_file, key_file)
