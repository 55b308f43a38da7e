//! OCI request signing with an API key: "Signature version 1".
//!
//! OCI authenticates every call with draft-cavage-http-signatures-08, algorithm rsa-sha256
//! (RSASSA-PKCS1-v1_5 over SHA-256), the signature in base64. The signed headers are
//! `date (request-target) host`, plus `content-length content-type x-content-sha256` for
//! methods that carry a body. The signing string is one `name: value` line per signed header,
//! in that order, joined by `\n` with no trailing newline; `(request-target)` is the lower-case
//! method, a space, and the path with `?query` exactly as sent.
//!
//! Sits before discovery's transport: the client signs each request it builds, then sends it
//! under the shared HTTP policy.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::PrivateKey;
use sha2::{Digest, Sha256};
use url::Url;

/// Headers signed on every request.
const GENERIC_HEADERS: &[&str] = &["date", "(request-target)", "host"];
/// Headers also signed on requests with a body (POST, PUT, PATCH).
const BODY_HEADERS: &[&str] = &["content-length", "content-type", "x-content-sha256"];

/// Why a private key cannot be used. Never contains the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError(String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// Why a request cannot be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignError(String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignError {}

/// A request body and its content type, for the methods that sign them.
#[derive(Clone, Copy, Debug)]
pub struct Body<'a> {
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// The headers to put on a signed request, `authorization` last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    headers: Vec<(&'static str, String)>,
    signing_string: String,
}

impl SignedHeaders {
    /// Every header to set, lower-case names.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.get("authorization").unwrap_or_default()
    }

    /// The exact text that was signed.
    pub fn signing_string(&self) -> &str {
        &self.signing_string
    }
}

/// Signs requests with one API key. The key never appears in `Debug`.
#[derive(Clone)]
pub struct RequestSigner {
    key_id: String,
    key: SigningKey<Sha256>,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("key_id", &self.key_id)
            .field("key", &"***")
            .finish()
    }
}

impl RequestSigner {
    /// `key_id` is `<tenancy OCID>/<user OCID>/<key fingerprint>`.
    pub fn new(key_id: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            key_id: key_id.into(),
            key: SigningKey::new(key),
        }
    }

    /// A signer from an RSA private key in PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    /// (`BEGIN PRIVATE KEY`), unencrypted.
    pub fn from_pem(key_id: impl Into<String>, pem: &str) -> Result<Self, KeyError> {
        Ok(Self::new(key_id, parse_private_key(pem)?))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Sign a request of `method` to `url` at `date` (an RFC 1123 HTTP date). `body` is
    /// signed for POST, PUT and PATCH (an absent body counts as empty) and ignored otherwise.
    pub fn sign(
        &self,
        method: &str,
        url: &Url,
        date: &str,
        body: Option<Body<'_>>,
    ) -> Result<SignedHeaders, SignError> {
        let host = host_header(url)
            .ok_or_else(|| SignError(format!("the URL `{url}` has no host to sign")))?;
        let target = request_target(method, url);
        let mut headers: Vec<(&'static str, String)> =
            vec![("date", date.to_owned()), ("host", host)];
        let mut signed: Vec<&'static str> = GENERIC_HEADERS.to_vec();
        if signs_body(method) {
            let body = body.unwrap_or(Body {
                content_type: "application/json",
                bytes: &[],
            });
            headers.push(("content-length", body.bytes.len().to_string()));
            headers.push(("content-type", body.content_type.to_owned()));
            headers.push(("x-content-sha256", content_sha256(body.bytes)));
            signed.extend_from_slice(BODY_HEADERS);
        }
        let lines: Vec<(&str, &str)> = signed
            .iter()
            .map(|name| {
                let value = if *name == "(request-target)" {
                    target.as_str()
                } else {
                    headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or("", |(_, v)| v.as_str())
                };
                (*name, value)
            })
            .collect();
        let signing_string = signing_string(&lines);
        let signature = self
            .key
            .try_sign(signing_string.as_bytes())
            .map_err(|e| SignError(format!("RSA signing failed: {e}")))?;
        let authorization = format!(
            "Signature version=\"1\",headers=\"{}\",keyId=\"{}\",algorithm=\"rsa-sha256\",signature=\"{}\"",
            signed.join(" "),
            self.key_id,
            BASE64.encode(signature.to_vec()),
        );
        headers.push(("authorization", authorization));
        Ok(SignedHeaders {
            headers,
            signing_string,
        })
    }
}

/// Whether `method` signs its body headers.
pub fn signs_body(method: &str) -> bool {
    ["POST", "PUT", "PATCH"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// `(request-target)`: lower-case method, a space, the path and `?query` exactly as sent.
pub fn request_target(method: &str, url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{} {}?{query}", method.to_ascii_lowercase(), url.path()),
        None => format!("{} {}", method.to_ascii_lowercase(), url.path()),
    }
}

/// The `host` header for `url`: the host, and the port when it is not the scheme's default.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// The signing string of `(name, value)` lines, in order.
pub fn signing_string(lines: &[(&str, &str)]) -> String {
    lines
        .iter()
        .map(|(name, value)| format!("{}: {value}", name.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `x-content-sha256`: base64 of the body's SHA-256.
pub fn content_sha256(body: &[u8]) -> String {
    BASE64.encode(Sha256::digest(body))
}

/// Read an unencrypted RSA private key in PEM. Errors say what is wrong, never what the key is.
pub fn parse_private_key(pem: &str) -> Result<PrivateKey, KeyError> {
    // A key pasted into one line of YAML may carry its line breaks as `\n`.
    let pem = if !pem.contains('\n') && pem.contains("\\n") {
        pem.replace("\\n", "\n")
    } else {
        pem.to_owned()
    };
    let pem = pem.trim();
    if pem.contains("ENCRYPTED") {
        return Err(KeyError(
            "the private key is encrypted, which is not supported; write an unencrypted copy \
             (`openssl rsa -in key.pem -out key-plain.pem`) and point the config at it"
                .to_owned(),
        ));
    }
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        return PrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| KeyError(format!("the PKCS#1 RSA private key cannot be read ({e})")));
    }
    if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        return PrivateKey::from_pkcs8_pem(pem).map_err(|e| {
            KeyError(format!(
                "the PKCS#8 private key cannot be read as an RSA key ({e})"
            ))
        });
    }
    Err(KeyError(
        "not a PEM private key: expected `-----BEGIN RSA PRIVATE KEY-----` or \
         `-----BEGIN PRIVATE KEY-----` (the API signing key from the OCI console)"
            .to_owned(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn the_request_target_keeps_the_query_as_sent() {
        let url = Url::parse("https://h.example/20160918/x?a=Pjwf%3A%20PHX&b=c").unwrap();
        assert_eq!(
            request_target("GET", &url),
            "get /20160918/x?a=Pjwf%3A%20PHX&b=c"
        );
    }

    #[test]
    fn the_host_carries_a_non_default_port() {
        let url = Url::parse("http://127.0.0.1:8080/oci/20160918/regions").unwrap();
        assert_eq!(host_header(&url).as_deref(), Some("127.0.0.1:8080"));
        let url = Url::parse("https://identity.us-ashburn-1.oci.oraclecloud.com:443/").unwrap();
        assert_eq!(
            host_header(&url).as_deref(),
            Some("identity.us-ashburn-1.oci.oraclecloud.com")
        );
    }

    #[test]
    fn garbage_is_not_a_key_and_the_error_does_not_echo_it() {
        let err = parse_private_key("canary-4f1e not a key").unwrap_err();
        assert!(!err.to_string().contains("canary"), "{err}");
        let err = parse_private_key(
            "-----BEGIN RSA PRIVATE KEY-----\ncanary-4f1e\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("canary"), "{err}");
    }

    #[test]
    fn encrypted_keys_are_refused_with_the_fix() {
        let err = parse_private_key(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(err.to_string().contains("openssl rsa"), "{err}");
    }
}
