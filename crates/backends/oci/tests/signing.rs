//! Request signing against Oracle's published example: its test key, key id, requests and
//! signatures from the "Request Signatures" documentation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use regionkit_oci::signing::{self, Body, RequestSigner};
use url::Url;

const KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
";

/// The example's keyId. Its fingerprint is an example string, not this key's real one.
const KEY_ID: &str = "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq/ocid1.user.oc1..aaaaaaaat5nvwcna5j6aqzjcaty5eqbb6qt2jvpkanghtgdaqedqw3rynjq/20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";

const DATE: &str = "Thu, 05 Jan 2014 21:31:40 GMT";

const GET_URL: &str = "https://iaas.us-phoenix-1.oraclecloud.com/20160918/instances?availabilityDomain=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q";

const GET_SIGNING_STRING: &str = "date: Thu, 05 Jan 2014 21:31:40 GMT\n(request-target): get /20160918/instances?availabilityDomain=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q\nhost: iaas.us-phoenix-1.oraclecloud.com";

const GET_SIGNATURE: &str = "GBas7grhyrhSKHP6AVIj/h5/Vp8bd/peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M=";

const GET_AUTHORIZATION: &str = "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq/ocid1.user.oc1..aaaaaaaat5nvwcna5j6aqzjcaty5eqbb6qt2jvpkanghtgdaqedqw3rynjq/20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34\",algorithm=\"rsa-sha256\",signature=\"GBas7grhyrhSKHP6AVIj/h5/Vp8bd/peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M=\"";

const POST_URL: &str = "https://iaas.us-phoenix-1.oraclecloud.com/20160918/volumeAttachments";

const POST_BODY: &str = "{\n    \"compartmentId\": \"ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa\",\n    \"instanceId\": \"ocid1.instance.oc1.phx.abuw4ljrlsfiqw6vzzxb43vyypt4pkodawglp3wqxjqofakrwvou52gb6s5a\",\n    \"volumeId\": \"ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q\"\n}";

const POST_CONTENT_SHA256: &str = "V9Z20UJTvkvpJ50flBzKE32+6m2zJjweHpDMX/U4Uy0=";

const POST_SIGNATURE: &str = "Mje8vIDPlwIHmD/cTDwRxE7HaAvBg16JnVcsuqaNRim23fFPgQfLoOOxae6WqKb1uPjYEl0qIdazWaBy/Ml8DRhqlocMwoSXv0fbukP8J5N80LCmzT/FFBvIvTB91XuXI3hYfP9Zt1l7S6ieVadHUfqBedWH0itrtPJBgKmrWso=";

fn signer() -> RequestSigner {
    RequestSigner::from_pem(KEY_ID, KEY_PEM).expect("the published key parses")
}

fn signature_of(authorization: &str) -> &str {
    authorization
        .split_once("signature=\"")
        .and_then(|(_, rest)| rest.strip_suffix('"'))
        .expect("the header carries a signature")
}

#[test]
fn the_published_get_example_signs_to_the_published_signature() {
    let url = Url::parse(GET_URL).unwrap();
    let signed = signer().sign("GET", &url, DATE, None).unwrap();
    assert_eq!(signed.signing_string(), GET_SIGNING_STRING);
    assert_eq!(signature_of(signed.authorization()), GET_SIGNATURE);
}

#[test]
fn the_get_authorization_header_matches_the_published_one_byte_for_byte() {
    let url = Url::parse(GET_URL).unwrap();
    let signed = signer().sign("GET", &url, DATE, None).unwrap();
    assert_eq!(signed.authorization(), GET_AUTHORIZATION);
    assert_eq!(
        signed.get("host"),
        Some("iaas.us-phoenix-1.oraclecloud.com")
    );
    assert_eq!(signed.get("date"), Some(DATE));
}

#[test]
fn the_published_post_example_signs_to_the_published_signature() {
    let url = Url::parse(POST_URL).unwrap();
    let body = Body {
        content_type: "application/json",
        bytes: POST_BODY.as_bytes(),
    };
    let signed = signer().sign("POST", &url, DATE, Some(body)).unwrap();
    assert_eq!(signed.get("content-length"), Some("316"));
    assert_eq!(signed.get("content-type"), Some("application/json"));
    assert_eq!(signed.get("x-content-sha256"), Some(POST_CONTENT_SHA256));
    assert!(signed.authorization().contains(
        "headers=\"date (request-target) host content-length content-type x-content-sha256\""
    ));
    assert_eq!(signature_of(signed.authorization()), POST_SIGNATURE);
}

#[test]
fn the_body_hash_is_base64_of_sha256() {
    assert_eq!(
        signing::content_sha256(POST_BODY.as_bytes()),
        POST_CONTENT_SHA256
    );
}

#[test]
fn the_same_key_as_pkcs8_signs_identically() {
    // The published key re-wrapped as PKCS#8, as the OCI console hands keys out.
    let pkcs8 = rsa_pkcs8_of_published_key();
    let url = Url::parse(GET_URL).unwrap();
    let signed = RequestSigner::from_pem(KEY_ID, &pkcs8)
        .unwrap()
        .sign("GET", &url, DATE, None)
        .unwrap();
    assert_eq!(signature_of(signed.authorization()), GET_SIGNATURE);
}

fn rsa_pkcs8_of_published_key() -> String {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let key = signing::parse_private_key(KEY_PEM).unwrap();
    key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
}

#[test]
fn the_signer_never_prints_its_key() {
    let debug = format!("{:?}", signer());
    assert!(debug.contains("keyId") || debug.contains("key_id"));
    assert!(!debug.contains("MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj"));
}
