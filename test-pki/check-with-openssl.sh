#!/usr/bin/env bash
# Cross-checks the generated fixtures with the openssl command line tool and
# prints a Markdown table of the outcomes. Run from the repository root after
# regenerating: bash test-pki/check-with-openssl.sh [fixtures]
set -euo pipefail

F=${1:-fixtures}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

epoch() { date -u -d "$1" +%s; }
T0=$(epoch 2026-06-01T12:00:00Z)

# CA file bundles: OpenSSL 3.0 `cms -verify` has no -untrusted/-CRLfile, so the
# intermediates and the PEM CRLs go into the -CAfile bundle.
CERTS="$F/pki/root.pem $F/pki/nca-rsa.pem $F/pki/nca-ec.pem $F/pki/nca-revoked-ca.pem"
cat $CERTS $F/crl/root.pem $F/crl/nca-rsa.pem $F/crl/nca-ec.pem $F/crl/nca-revoked-ca.pem >"$TMP/base.pem"
cat "$TMP/base.pem" $F/crl/nca-rsa-delta.pem >"$TMP/delta.pem"
cat $CERTS $F/crl/root-archive-2025.pem $F/crl/nca-rsa-archive-2025.pem >"$TMP/archive.pem"

# verify SAMPLE BUNDLE EPOCH [extra openssl options...]
verify() {
    local sample=$1 bundle=$2 at=$3
    shift 3
    local in=$F/samples/$sample inform=DER
    case $sample in
    *.b64 | *.b64line)
        base64 -d "$in" >"$TMP/decoded.der"
        in=$TMP/decoded.der
        ;;
    *.pem) inform=PEM ;;
    esac
    local content=()
    if jq -e --arg f "samples/$sample" '.samples[] | select(.file == $f) | .mode == "detached"' "$F/manifest.json" >/dev/null; then
        content=(-content "$F/samples/$(jq -r --arg f "samples/$sample" '.samples[] | select(.file == $f) | .content' "$F/manifest.json" | sed 's#^samples/##')")
    fi
    local out
    if out=$(openssl cms -verify -in "$in" -inform "$inform" -CAfile "$bundle" -crl_check_all \
        -attime "$at" -purpose any -out /dev/null "${content[@]}" "$@" 2>&1); then
        echo "OK"
    else
        echo "$out" | grep -o 'Verify error: .*' | head -1 | sed 's/Verify error: /FAIL: /' ||
            echo "FAIL: $(echo "$out" | grep -v '^CMS Verification failure' | tail -1 | cut -d: -f5-6)"
    fi
}

echo "| sample | T0, base CRLs | T0, base + delta (-use_deltas -extended_crl) | other |"
echo "| --- | --- | --- | --- |"
for f in $(jq -r '.samples[].file' "$F/manifest.json" | sed 's#^samples/##'); do
    base=$(verify "$f" "$TMP/base.pem" "$T0")
    delta=$(verify "$f" "$TMP/delta.pem" "$T0" -use_deltas -extended_crl)
    other=""
    case $f in
    revoked.cms) other="2026-02-01: $(verify "$f" "$TMP/base.pem" "$(epoch 2026-02-01T00:00:00Z)")" ;;
    expired.cms) other="2025-05-20, archive CRLs: $(verify "$f" "$TMP/archive.pem" "$(epoch 2025-05-20T00:00:00Z)")" ;;
    future.cms) other="2030-06-01: $(verify "$f" "$TMP/base.pem" "$(epoch 2030-06-01T00:00:00Z)")" ;;
    revoked-ca-ee.cms) other="2026-01-15: $(verify "$f" "$TMP/base.pem" "$(epoch 2026-01-15T00:00:00Z)")" ;;
    individual-nocerts.cms) other="with -certfile individual-sign.pem: $(verify "$f" "$TMP/base.pem" "$T0" -certfile "$F/pki/individual-sign.pem")" ;;
    individual-detached.cms | ec-detached.cms)
        other="without -content: $(openssl cms -verify -in "$F/samples/$f" -inform DER -CAfile "$TMP/base.pem" -purpose any -attime "$T0" -out /dev/null >/dev/null 2>&1 && echo OK || echo FAIL)"
        ;;
    esac
    echo "| $f | $base | $delta | $other |"
done

echo
echo "| CRL | signature (openssl crl -CAfile issuer) | individual-sign at T0 with only this nca-rsa CRL |"
echo "| --- | --- | --- |"
for crl in $(jq -r '.crls[].name' "$F/manifest.json"); do
    issuer=$(jq -r --arg n "$crl" '.crls[] | select(.name == $n) | .issuer' "$F/manifest.json")
    sig=$(openssl crl -in "$F/crl/$crl.crl" -inform DER -CAfile "$F/pki/$issuer.pem" -noout 2>&1 | head -1)
    use=""
    if [ "$issuer" = nca-rsa ]; then
        cat $F/crl/root.pem "$F/crl/$crl.pem" >"$TMP/crls.pem"
        if out=$(openssl verify -attime "$T0" -crl_check_all -use_deltas -extended_crl -CAfile "$F/pki/root.pem" -untrusted "$F/pki/nca-rsa.pem" \
            -CRLfile "$TMP/crls.pem" "$F/pki/individual-sign.pem" 2>&1); then
            use="OK"
        else
            use="FAIL: $(echo "$out" | grep -o 'error [0-9]* at [0-9] depth lookup: .*' | head -1 | sed 's/.*lookup: //')"
        fi
    fi
    echo "| $crl | $sig | $use |"
done
