//! The OpenAPI 3 description served at `GET /openapi.json`.

use std::sync::OnceLock;

use serde_json::{json, Value};

use qoltanba_core::Reason;

/// The document, serialised once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_string_pretty(&spec()).unwrap_or_default())
}

/// The usage-error reasons of the core (`UsageReason`) and of the HTTP edge.
pub(crate) const USAGE_REASONS: &[&str] = &[
    "invalid_id",
    "bad_time",
    "unreadable_file",
    "missing_content",
    "too_large",
    "bad_request",
    "no_trust_anchor",
    "unsupported_media_type",
    "not_found",
    "method_not_allowed",
    "timeout",
    "internal_error",
];

/// The `reason` codes of error bodies: the usage reasons, the HTTP layer's own
/// ([`super::error::ERROR_REASONS`]) and the verdict reasons an officer's refusal names.
fn error_reasons(usage_reasons: &[&'static str]) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = usage_reasons
        .iter()
        .copied()
        .chain(super::error::ERROR_REASONS.iter().copied())
        .chain(Reason::ALL.iter().map(|r| r.as_str()))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

fn nullable_string() -> Value {
    json!({"type": "string", "nullable": true})
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn verdict_response() -> Value {
    json!({
        "description": "The verdict: valid, invalid or indeterminate (CONTRACT.md sections 1 and 5). The same document as `qoltanba verify --json`.",
        "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}}
    })
}

fn common_errors() -> Value {
    json!({
        "400": error_response("A bad call: bad base64, bad IIN/BIN checksum (invalid_id), bad time (bad_time), missing or unknown field (bad_request), detached signature without data (missing_content)."),
        "408": error_response("The body did not arrive within the request timeout (reason body_timeout)."),
        "413": error_response("The body is over the configured limit (reason too_large)."),
        "415": error_response("A content type this endpoint does not take (reason unsupported_media_type)."),
        "500": error_response("An internal error (reason internal_error); logged under the request id."),
        "503": merge(
            error_response("The verification did not finish within the request timeout (reason timeout), or every place for a request body stayed taken for limits.body_wait_ms (reason busy: the body was not read, the connection is closed; retry after Retry-After seconds)."),
            json!({"headers": {
                "x-request-id": {"$ref": "#/components/headers/RequestId"},
                "Retry-After": {"description": "With reason busy: seconds to wait before retrying.", "schema": {"type": "integer"}}
            }})
        )
    })
}

fn raw_query_parameters(with_key_usage: bool) -> Value {
    let mut params = vec![
        json!({"name": "expected_id", "in": "query", "required": false,
               "description": "The IIN or BIN the signer must have (12 digits with a valid control digit). Raw bodies only.",
               "schema": {"type": "string", "pattern": "^[0-9]{12}$"}}),
        json!({"name": "at", "in": "query", "required": false,
               "description": "Validation time, RFC 3339; default now, or for a signer with a verified signature time-stamp its genTime (`signers[].time_basis`). Raw bodies only.",
               "schema": {"type": "string", "format": "date-time"}}),
    ];
    if with_key_usage {
        params.push(
            json!({"name": "any_key_usage", "in": "query", "required": false,
            "description": "Skip the document-signing key-usage rule. Raw bodies only.",
            "schema": {"type": "boolean"}}),
        );
    }
    Value::Array(params)
}

fn with_request_id(params: Value) -> Value {
    let mut list = params.as_array().cloned().unwrap_or_default();
    list.push(json!({"$ref": "#/components/parameters/RequestId"}));
    Value::Array(list)
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

fn spec() -> Value {
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    let usage_reasons = USAGE_REASONS;
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "qoltanba",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verification of CMS signatures and X.509 certificates for Kazakh e-government services. Verdicts follow CONTRACT.md: HTTP 200 for valid, invalid and indeterminate; a usage_error is HTTP 400 (413 over the size limit). Every response carries an x-request-id header (the caller's, or a new one).",
            "license": {"name": "Apache-2.0"}
        },
        "paths": paths(),
        "components": {
            "parameters": {
                "RequestId": {"name": "x-request-id", "in": "header", "required": false,
                    "description": "Echoed in the response; one is generated when absent or not 1-128 visible ASCII characters.",
                    "schema": {"type": "string", "maxLength": 128}}
            },
            "headers": {
                "RequestId": {"description": "The request id (the caller's or a generated one).", "schema": {"type": "string"}}
            },
            "schemas": schemas(&reasons, usage_reasons)
        }
    });
    super::sign::describe(&mut doc);
    super::documents::describe(&mut doc);
    super::applications::describe(&mut doc);
    doc
}

fn verdict_schemas(reasons: &[&str]) -> Value {
    json!({
                "Status": {"type": "string", "enum": ["valid", "invalid", "indeterminate"]},
                "Reason": {"type": "string", "enum": reasons, "description": "The first failing condition, in the order of CONTRACT.md section 1."},
                "Verdict": {
                    "type": "object",
                    "required": ["status", "reason", "message", "at", "signer", "signing_time", "checks", "evidence", "signers"],
                    "properties": {
                        "status": {"$ref": "#/components/schemas/Status"},
                        "reason": {"allOf": [{"$ref": "#/components/schemas/Reason"}], "nullable": true},
                        "message": {"type": "string"},
                        "at": {"type": "string", "format": "date-time", "description": "The validation time of the request (`at`, else now); each signer's own time is in `signers[].time`."},
                        "signer": {"allOf": [{"$ref": "#/components/schemas/SignerSummary"}], "nullable": true},
                        "signing_time": {"type": "string", "format": "date-time", "nullable": true, "description": "The signingTime attribute: reported, not trusted."},
                        "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}},
                        "evidence": {"$ref": "#/components/schemas/Evidence"},
                        "signers": {"type": "array", "items": {"$ref": "#/components/schemas/SignerOutcome"}}
                    }
                },
                "Check": {
                    "type": "object", "required": ["check", "result", "detail", "reason", "certificate", "signer"],
                    "properties": {
                        "check": {"type": "string"},
                        "result": {"type": "string", "enum": ["pass", "fail", "unknown"]},
                        "detail": {"type": "string"},
                        "reason": {"allOf": [{"$ref": "#/components/schemas/Reason"}], "nullable": true},
                        "certificate": nullable_string(),
                        "signer": {"type": "integer", "nullable": true, "minimum": 1}
                    }
                },
                "Role": {"type": "string", "enum": ["individual", "legal_entity", "first_head", "signing_right", "finance_signing_right", "hr", "employee"]},
                "SignerSummary": {
                    "type": "object",
                    "required": ["iin", "bin", "common_name", "surname", "given_name", "organization", "role", "serial", "subject", "issuer", "not_before", "not_after", "key_usage"],
                    "properties": {
                        "iin": nullable_string(), "bin": nullable_string(),
                        "common_name": nullable_string(), "surname": nullable_string(),
                        "given_name": nullable_string(), "organization": nullable_string(),
                        "role": {"allOf": [{"$ref": "#/components/schemas/Role"}], "nullable": true},
                        "serial": {"type": "string"}, "subject": {"type": "string"}, "issuer": {"type": "string"},
                        "not_before": {"type": "string", "format": "date-time"},
                        "not_after": {"type": "string", "format": "date-time"},
                        "key_usage": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "SignerOutcome": {
                    "type": "object", "required": ["index", "status", "reason", "signer", "signing_time", "time_basis", "time", "timestamp"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 1},
                        "status": {"$ref": "#/components/schemas/Status"},
                        "reason": {"allOf": [{"$ref": "#/components/schemas/Reason"}], "nullable": true},
                        "signer": {"allOf": [{"$ref": "#/components/schemas/SignerSummary"}], "nullable": true},
                        "signing_time": {"type": "string", "format": "date-time", "nullable": true},
                        "time_basis": {"type": "string", "enum": ["timestamp", "now", "caller"],
                            "description": "Which time this signer was judged at (CONTRACT.md section 3, proof of existence): `timestamp` when no `at` was given and a signature time-stamp token of this signer verifies (its genTime; a certificate that expired or was revoked later still gives valid), `now` when no `at` was given and none verifies, `caller` when the request set `at`."},
                        "time": {"type": "string", "format": "date-time", "description": "The time this signer's certificates were judged at."},
                        "timestamp": {"allOf": [{"$ref": "#/components/schemas/TimestampReport"}], "nullable": true,
                            "description": "The signer's RFC 3161 signature time-stamp (id-aa-signatureTimeStampToken), when it carries one: the earliest token that verifies, else the first that does not. A token that does not verify proves nothing and decides nothing: the signer is judged as if it had none."}
                    }
                },
                "TimestampReport": {
                    "type": "object", "required": ["verified", "tsa", "gen_time", "policy", "serial", "status", "reason", "detail"],
                    "properties": {
                        "verified": {"type": "boolean", "description": "The token's signature, the TSA's path at genTime (with the critical timeStamping extended key usage and the TSA's revocation), the imprint over this signature value and the ESS signing-certificate attribute all hold."},
                        "tsa": {"type": "string", "nullable": true, "description": "The TSA certificate's subject (else the token's tsa name)."},
                        "gen_time": {"type": "string", "format": "date-time", "nullable": true, "description": "The token's genTime; null for a token too broken to read."},
                        "policy": {"type": "string", "nullable": true, "description": "The TSA policy OID."},
                        "serial": {"type": "string", "nullable": true, "description": "The token's serial number, 0x hex."},
                        "status": {"$ref": "#/components/schemas/Status"},
                        "reason": {"allOf": [{"$ref": "#/components/schemas/Reason"}], "nullable": true, "description": "Why the token does not verify (about the token, not the signer)."},
                        "detail": {"type": "string", "nullable": true, "description": "Why, for people; for a verified token not used (a request with `at`), why not."}
                    }
                },
                "Evidence": {
                    "type": "object", "required": ["chain", "crls", "ocsp"],
                    "properties": {
                        "chain": {"type": "array", "items": {"type": "string"}, "description": "Subjects from the signer up to the trust anchor."},
                        "crls": {"type": "array", "items": {"$ref": "#/components/schemas/CrlEvidence"}},
                        "ocsp": {"type": "array", "items": {"$ref": "#/components/schemas/OcspEvidence"}, "description": "The OCSP responses that decided revocation (fetched from the deployment's responders, sent by the caller, or carried by the signature); empty when none did."}
                    }
                },
                "OcspEvidence": {
                    "type": "object", "required": ["responder", "url", "produced_at", "this_update", "next_update", "status", "sha256"],
                    "properties": {
                        "responder": {"type": "string", "description": "Who signed the response: the issuer, or a delegated responder (subject name)."},
                        "url": nullable_string(),
                        "produced_at": {"type": "string", "format": "date-time"},
                        "this_update": {"type": "string", "format": "date-time"},
                        "next_update": {"type": "string", "format": "date-time", "nullable": true, "description": "Absent in the NCA's answers: then `ocsp.max_age_seconds` bounds their use."},
                        "status": {"type": "string", "enum": ["good", "revoked", "unknown"]},
                        "sha256": {"type": "string", "description": "SHA-256 of the DER response."}
                    }
                },
                "CrlEvidence": {
                    "type": "object", "required": ["issuer", "number", "this_update", "next_update", "delta", "sha256"],
                    "properties": {
                        "issuer": {"type": "string"}, "number": nullable_string(),
                        "this_update": {"type": "string", "format": "date-time"},
                        "next_update": {"type": "string", "format": "date-time", "nullable": true},
                        "delta": {"type": "boolean"}, "sha256": {"type": "string"}
                    }
                }
    })
}

fn paths() -> Value {
    json!({
        "/v1/verify": {"post": {
            "operationId": "verifySignature",
            "summary": "Verify a CMS SignedData signature",
            "description": "JSON body, or the signature itself as the body (DER, PEM or base64) with application/pkcs7-signature, application/pkcs7-mime or application/octet-stream and the options as query parameters.",
            "parameters": with_request_id(raw_query_parameters(false)),
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}},
                "application/pkcs7-signature": {"schema": {"type": "string", "format": "binary"}},
                "application/pkcs7-mime": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }},
            "responses": merge(merge(json!({"200": verdict_response()}), common_errors()), json!({
                "401": error_response("`store: true` without a bearer token (missing_token) or with an unknown one (invalid_token); with `auth.verify_requires_token`, any call without a valid token."),
                "403": error_response("`store: true` with a token whose role may not store (forbidden): storing is a portal's right."),
                "429": error_response("Too many refused tokens from this address (too_many_failures); retry after Retry-After seconds.")
            }))
        }},
        "/v1/certificates/verify": {"post": {
            "operationId": "verifyCertificate",
            "summary": "Validate a certificate alone (path, validity, revocation, key usage, identity)",
            "parameters": with_request_id(raw_query_parameters(true)),
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CertificateRequest"}},
                "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}},
                "application/x-pem-file": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }},
            "responses": merge(json!({"200": verdict_response()}), common_errors())
        }},
        "/v1/certificates/info": {"post": {
            "operationId": "certificateInfo",
            "summary": "Read a certificate without judging it: identity, role, key usage, validity, issuer, CRL distribution points",
            "parameters": [{"$ref": "#/components/parameters/RequestId"}],
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CertificateInfoRequest"}},
                "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}},
                "application/x-pem-file": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }},
            "responses": merge(json!({"200": {
                "description": "What the certificate says.",
                "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CertificateInfo"}}}
            }}), common_errors())
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "Liveness: the process answers",
            "responses": {"200": {"description": "Alive.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}}}
        }},
        "/readyz": {"get": {
            "operationId": "ready",
            "summary": "Readiness per the revocation policy: every configured CA has a complete CRL whose nextUpdate is in the future (every policy but `ocsp`), every configured OCSP responder answered lately (`ocsp`, `both`)",
            "responses": {
                "200": {"description": "Ready (`status` ready), or ready to verify and to be read while the archive's hash chain failed the service's check and nothing is stored (`status` read_only, `archive.reason` archive_broken).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
                "503": {"description": "Not ready; `missing` lists the issuers without a current CRL (when the policy needs CRLs), `ocsp.responders` shows which responders do not answer.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}}
            }
        }},
        "/metrics": {"get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics (text exposition format 0.0.4)",
            "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
        }},
        "/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }}
    })
}

fn schemas(reasons: &[&str], usage_reasons: &[&'static str]) -> Value {
    let mut all = verdict_schemas(reasons);
    let rest = json!({
        "VerifyRequest": {
            "type": "object", "required": ["signature"], "additionalProperties": false,
            "properties": {
                "signature": {"type": "string", "description": "Base64 of the CMS SignedData DER (PEM text is accepted too)."},
                "data": {"type": "string", "nullable": true, "description": "Base64 of the signed content, for a detached signature."},
                "expected_id": {"type": "string", "nullable": true, "description": "IIN or BIN the signer must have."},
                "at": {"type": "string", "format": "date-time", "nullable": true, "description": "Validation time, RFC 3339, for every signer (`time_basis` caller); default: for a signer with a signature time-stamp token that verifies its genTime (`timestamp`), else now (`now`)."},
                "store": {"type": "boolean", "default": false, "description": "Keep the signature, its verdict at receipt and evidence in the archive: answered 201 with `archived` once committed. Needs a portal token (401/403 otherwise); malformed input is never stored; above `archive.max_document_bytes` the answer is 413 `too_large_to_store`."},
                "ocsp_responses": {"type": "array", "maxItems": 16, "items": {"type": "string"}, "description": "OCSP responses the caller holds (base64 of the DER), used as evidence when the deployment's revocation policy looks at OCSP."}
            }
        },
        "CertificateRequest": {
            "type": "object", "required": ["certificate"], "additionalProperties": false,
            "properties": {
                "certificate": {"type": "string", "description": "Base64 of the certificate DER, or PEM text."},
                "expected_id": {"type": "string", "nullable": true},
                "at": {"type": "string", "format": "date-time", "nullable": true},
                "any_key_usage": {"type": "boolean", "default": false, "description": "Skip the document-signing key-usage rule."}
            }
        },
        "CertificateInfoRequest": {
            "type": "object", "required": ["certificate"], "additionalProperties": false,
            "properties": {"certificate": {"type": "string", "description": "Base64 of the certificate DER, or PEM text."}}
        },
        "Error": {
            "type": "object", "required": ["status", "reason", "message", "request_id"],
            "properties": {
                "status": {"type": "string", "enum": super::error::ERROR_STATUSES},
                "reason": {"type": "string", "enum": error_reasons(usage_reasons)},
                "message": {"type": "string"},
                "request_id": {"type": "string"}
            }
        },
        "CertificateInfo": {
            "type": "object",
            "required": ["subject", "issuer", "serial", "not_before", "not_after", "iin", "bin", "common_name", "surname", "given_name", "organization", "role", "key_usage", "extended_key_usage", "is_ca", "crl_distribution_points", "subject_key_id", "authority_key_id", "sha256"],
            "properties": {
                "subject": {"type": "string"}, "issuer": {"type": "string"}, "serial": {"type": "string"},
                "not_before": {"type": "string", "format": "date-time"},
                "not_after": {"type": "string", "format": "date-time"},
                "iin": nullable_string(), "bin": nullable_string(),
                "common_name": nullable_string(), "surname": nullable_string(),
                "given_name": nullable_string(), "organization": nullable_string(),
                "role": {"allOf": [{"$ref": "#/components/schemas/Role"}], "nullable": true},
                "key_usage": {"type": "array", "items": {"type": "string"}},
                "extended_key_usage": {"type": "array", "items": {"type": "string"}},
                "is_ca": {"type": "boolean"},
                "crl_distribution_points": {"type": "array", "items": {"type": "string"}},
                "subject_key_id": nullable_string(), "authority_key_id": nullable_string(),
                "sha256": {"type": "string"}
            }
        },
        "Readiness": {
            "type": "object", "required": ["status", "missing", "issuers"],
            "properties": {
                "status": {"type": "string", "enum": ["ready", "read_only", "not_ready"]},
                "missing": {"type": "array", "items": {"type": "string"}},
                "archive": {"type": "object", "required": ["chain_intact"], "properties": {
                    "chain_intact": {"type": "boolean"},
                    "reason": {"type": "string", "enum": ["archive_broken"]},
                    "problem": {"type": "string", "description": "What the service's chain check found."}
                }},
                "issuers": {"type": "array", "items": {
                    "type": "object", "required": ["issuer", "current", "number", "this_update", "next_update", "entries", "delta_number", "delta_next_update"],
                    "properties": {
                        "issuer": {"type": "string"}, "current": {"type": "boolean"},
                        "number": nullable_string(),
                        "this_update": {"type": "string", "format": "date-time", "nullable": true},
                        "next_update": {"type": "string", "format": "date-time", "nullable": true},
                        "entries": {"type": "integer"},
                        "delta_number": nullable_string(),
                        "delta_next_update": {"type": "string", "format": "date-time", "nullable": true}
                    }
                }},
                "policy": {"type": "string", "enum": ["ocsp", "ocsp_then_crl", "crl_then_ocsp", "both"], "description": "Present when OCSP is configured."},
                "ocsp": {
                    "type": "object", "required": ["policy", "needs_ocsp", "needs_crl", "ready", "responders"],
                    "properties": {
                        "policy": {"type": "string"},
                        "needs_ocsp": {"type": "boolean"},
                        "needs_crl": {"type": "boolean"},
                        "ready": {"type": "boolean"},
                        "responders": {"type": "array", "items": {
                            "type": "object", "required": ["responder", "configured", "answering"],
                            "properties": {
                                "responder": {"type": "string", "description": "The URL, redacted."},
                                "configured": {"type": "boolean"},
                                "answering": {"type": "boolean"},
                                "last_success": {"type": "string", "format": "date-time", "nullable": true},
                                "last_failure": {"type": "string", "format": "date-time", "nullable": true},
                                "last_failure_reason": nullable_string()
                            }
                        }}
                    }
                }
            }
        }
    });
    if let (Some(a), Some(r)) = (all.as_object_mut(), rest.as_object()) {
        for (k, v) in r {
            a.insert(k.clone(), v.clone());
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` points at a component that exists.
    #[test]
    fn references_resolve() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        let mut refs = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == "$ref" {
                            out.extend(v.as_str().map(str::to_owned));
                        } else {
                            walk(v, out);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        walk(&doc, &mut refs);
        assert!(refs.len() > 20);
        for r in refs {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
    }
}
