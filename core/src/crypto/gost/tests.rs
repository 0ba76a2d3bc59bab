//! Known-answer tests from GOST R 34.10-2012 Appendix A (reproduced in RFC 7091 §7), on the
//! standard's test curves, which exist only here; and checks of every production parameter set.

use elliptic_curve::group::Group;
use elliptic_curve::ops::{MulByGeneratorVartime, Reduce};
use elliptic_curve::{Field, FieldBytes, PrimeField, Scalar};
use primeorder::{AffinePoint, ProjectivePoint};

use super::curves::{
    cryptopro_a, cryptopro_b, cryptopro_c, gost_curve, tc26_256_a, tc26_512_a, tc26_512_b,
    tc26_512_c,
};
use super::scheme::{self, GostParams};
use super::{Curve, GostError, PublicKey, SigningKey};

gost_curve! {
    /// GOST R 34.10-2012 Appendix A.1 (RFC 7091 §7.1): the 256-bit test curve.
    mod test_256;
    curve: Test256,
    uint: U256,
    bytes: U32,
    p: "8000000000000000000000000000000000000000000000000000000000000431",
    p_generator: 7,
    q: "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
    q_generator: 2,
    cofactor: 1,
    a: "0000000000000000000000000000000000000000000000000000000000000007",
    equation_a: EquationAIsGeneric,
    b: "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
    x: "0000000000000000000000000000000000000000000000000000000000000002",
    y: "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
    nonce_digest: streebog::Streebog256,
    basepoint_window: 33,
    verify_window: U5,
}

gost_curve! {
    /// GOST R 34.10-2012 Appendix A.2 (RFC 7091 §7.2): the 512-bit test curve.
    mod test_512;
    curve: Test512,
    uint: U512,
    bytes: U64,
    p: concat!(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D",
        "F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373"
    ),
    p_generator: 2,
    q: concat!(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D",
        "A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF"
    ),
    q_generator: 5,
    cofactor: 1,
    a: concat!(
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000007"
    ),
    equation_a: EquationAIsGeneric,
    b: concat!(
        "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43",
        "61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC"
    ),
    x: concat!(
        "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762",
        "FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A"
    ),
    y: concat!(
        "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C",
        "83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"
    ),
    nonce_digest: streebog::Streebog512,
    basepoint_window: 65,
    verify_window: U5,
}

/// One worked example of Appendix A: the key, the digest as the integer α, the nonce, the expected
/// public key and signature, all big-endian as the standard prints them.
struct Example {
    d: &'static str,
    qx: &'static str,
    qy: &'static str,
    alpha: &'static str,
    k: &'static str,
    r: &'static str,
    s: &'static str,
}

const A1: Example = Example {
    d: "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
    qx: "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
    qy: "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
    alpha: "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
    k: "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
    r: "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
    s: "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40",
};

const A2: Example = Example {
    d: concat!(
        "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020",
        "72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4"
    ),
    qx: concat!(
        "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD",
        "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1"
    ),
    qy: concat!(
        "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61",
        "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC"
    ),
    alpha: concat!(
        "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591",
        "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C"
    ),
    k: concat!(
        "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658",
        "86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1"
    ),
    r: concat!(
        "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3",
        "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36"
    ),
    s: concat!(
        "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5",
        "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A"
    ),
};

fn h(hex: &str) -> Vec<u8> {
    hex::decode(hex).expect("test vector hex")
}

fn fb<C: GostParams>(hex: &str) -> FieldBytes<C> {
    FieldBytes::<C>::try_from(h(hex).as_slice()).expect("test vector length")
}

/// The example end to end: Q = d·P, signing with the given k, verification, and rejection of a
/// signature over another digest.
fn check_example<C: GostParams>(example: &Example) {
    let d = scheme::decode_scalar::<C>(&h(example.d)).expect("d");
    let q = scheme::public_point::<C>(&d);
    let (qx, qy) = scheme::encode_point::<C>(&q);
    assert_eq!(hex::encode_upper(qx), example.qx, "Q.x");
    assert_eq!(hex::encode_upper(qy), example.qy, "Q.y");

    let k = Scalar::<C>::from_repr(fb::<C>(example.k)).expect("k < q");
    let (r, s) = scheme::sign_with_k::<C>(&d, &fb::<C>(example.alpha), &k).expect("r, s ≠ 0");
    assert_eq!(hex::encode_upper(r), example.r, "r");
    assert_eq!(hex::encode_upper(s), example.s, "s");

    let q = scheme::decode_point::<C>(&h(example.qx), &h(example.qy)).expect("Q on the curve");
    scheme::verify::<C>(&q, &h(example.alpha), &h(example.r), &h(example.s)).expect("verifies");

    let mut other = h(example.alpha);
    other[0] ^= 0x01;
    assert_eq!(
        scheme::verify::<C>(&q, &other, &h(example.r), &h(example.s)),
        Err(GostError::BadSignature)
    );
    // Swapping r and s (a layout mistake) must not verify either.
    assert_eq!(
        scheme::verify::<C>(&q, &h(example.alpha), &h(example.s), &h(example.r)),
        Err(GostError::BadSignature)
    );
}

#[test]
fn appendix_a1_256_bit_example() {
    check_example::<test_256::Test256>(&A1);
}

#[test]
fn appendix_a2_512_bit_example() {
    check_example::<test_512::Test512>(&A2);
}

/// A signature made by `sign` (RFC 6979 nonce) on the test curve verifies, and is deterministic.
#[test]
fn deterministic_signing_on_the_test_curve() {
    let d = scheme::decode_scalar::<test_512::Test512>(&h(A2.d)).expect("d");
    let q = scheme::public_point::<test_512::Test512>(&d);
    let first = scheme::sign::<test_512::Test512>(&d, &h(A2.alpha)).expect("signs");
    let second = scheme::sign::<test_512::Test512>(&d, &h(A2.alpha)).expect("signs");
    assert_eq!(first, second);
    scheme::verify::<test_512::Test512>(&q, &h(A2.alpha), &first.0, &first.1).expect("verifies");
}

/// The generator lies on the curve (the constants are decoded through the on-curve check) and
/// has order q: q·P = O, computed as (q − 1)·P + P since the scalar q reduces to 0.
fn check_parameters<C: GostParams>() {
    let (gx, gy) = C::GENERATOR;
    let g = scheme::decode_point::<C>(&gx.to_repr(), &gy.to_repr()).expect("P on the curve");
    assert_eq!(g, AffinePoint::<C>::GENERATOR);
    let p = ProjectivePoint::<C>::GENERATOR;
    assert!(
        bool::from((p * -Scalar::<C>::ONE + p).is_identity()),
        "q·P = O"
    );
    assert!(!bool::from(p.is_identity()));
}

#[test]
fn every_parameter_set_has_a_generator_of_order_q() {
    check_parameters::<tc26_512_a::Tc26Gost512A>();
    check_parameters::<tc26_512_b::Tc26Gost512B>();
    check_parameters::<tc26_512_c::Tc26Gost512C>();
    check_parameters::<tc26_256_a::Tc26Gost256A>();
    check_parameters::<cryptopro_a::CryptoProA>();
    check_parameters::<cryptopro_b::CryptoProB>();
    check_parameters::<cryptopro_c::CryptoProC>();
    check_parameters::<test_256::Test256>();
    check_parameters::<test_512::Test512>();
}

/// The curves' multiplication backend (`scheme::GostBackend`: the generator table of signing and
/// the precomputed w-NAF of verification) agrees with `primeorder`'s generic multiplications, on
/// edge scalars (0, 1, 2, q − 1, q − 2, 2^k) and on pseudo-random ones.
fn check_backend<C: GostParams>() {
    let p = ProjectivePoint::<C>::GENERATOR;
    let q = p * Scalar::<C>::from(0x005e_ed0f_9051_u64);
    let mut scalars = vec![
        Scalar::<C>::ZERO,
        Scalar::<C>::ONE,
        Scalar::<C>::from(2_u64),
        -Scalar::<C>::ONE,
        -Scalar::<C>::from(2_u64),
        Scalar::<C>::from(1_u64 << 63),
    ];
    let mut x = Scalar::<C>::from(0x0123_4567_89ab_cdef_u64);
    for i in 0..6_u64 {
        x = x.square() + Scalar::<C>::from(i);
        scalars.push(x);
    }
    for (i, a) in scalars.iter().enumerate() {
        assert_eq!(
            ProjectivePoint::<C>::mul_by_generator(a),
            p * a,
            "k·P, k #{i}"
        );
        assert_eq!(
            <ProjectivePoint<C> as MulByGeneratorVartime>::mul_by_generator_vartime(a),
            p * a,
            "k·P vartime, k #{i}"
        );
        let b = scalars[scalars.len() - 1 - i];
        assert_eq!(
            ProjectivePoint::<C>::mul_by_generator_and_mul_add_vartime(a, &b, &q),
            p * a + q * b,
            "a·P + b·Q, #{i}"
        );
    }
}

#[test]
fn multiplication_backend_agrees_with_the_generic_multiplications() {
    check_backend::<tc26_512_a::Tc26Gost512A>();
    check_backend::<tc26_512_b::Tc26Gost512B>();
    check_backend::<tc26_512_c::Tc26Gost512C>();
    check_backend::<tc26_256_a::Tc26Gost256A>();
    check_backend::<cryptopro_a::CryptoProA>();
    check_backend::<cryptopro_b::CryptoProB>();
    check_backend::<cryptopro_c::CryptoProC>();
    check_backend::<test_256::Test256>();
    check_backend::<test_512::Test512>();
}

/// e = α mod q must be a full reduction: on the cofactor-4 curves q is about 2^510 (2^255), so
/// a 512-bit (256-bit) α can exceed 3q. Expected values computed independently.
#[test]
fn digest_reduction_is_complete() {
    fn reduce<C: GostParams>(alpha: &[u8]) -> String {
        let alpha = FieldBytes::<C>::try_from(alpha).expect("length");
        hex::encode_upper(<Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&alpha).to_repr())
    }
    assert_eq!(
        reduce::<tc26_512_c::Tc26Gost512C>(&[0xFF; 64]),
        concat!(
            "0000000000000000000000000000000000000000000000000000000000000000",
            "D9CC916E6BE553FECF315802BAE2BF4CDC49586162597B65AE770C42E03F704B"
        )
    );
    assert_eq!(
        reduce::<tc26_256_a::Tc26Gost256A>(&[0xFF; 32]),
        "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD0759660A68DCD5EBCBEF1FFBB5DDACA"
    );
    assert_eq!(
        reduce::<tc26_512_a::Tc26Gost512A>(&[0xFF; 64]),
        concat!(
            "0000000000000000000000000000000000000000000000000000000000000000",
            "D8196ACD0B7276EE900DD472B1FA9F9F64B4C754052D47A235324EBEE0EF4D8A"
        )
    );
}

/// On the cofactor-4 curves, points of the curve outside the group of order q are rejected: T of
/// order 2 (y = 0, x a root of x³ + a·x + b) and P + T of order 2q. All were computed
/// independently; each satisfies the curve equation, so only the subgroup check can reject them.
/// A multiple of P passes.
fn check_subgroup<C: GostParams>(t_x: &str, p_plus_t: (&str, &str)) {
    use elliptic_curve::point::AffineCoordinates;
    let zero = vec![0u8; h(t_x).len()];
    assert_eq!(
        scheme::decode_point::<C>(&h(t_x), &zero),
        Err(GostError::InvalidPoint)
    );
    let (x, y) = (h(p_plus_t.0), h(p_plus_t.1));
    assert_eq!(
        scheme::decode_point::<C>(&x, &y),
        Err(GostError::InvalidPoint)
    );
    let on_curve = AffinePoint::<C>::from_coordinates(
        &FieldBytes::<C>::try_from(x.as_slice()).expect("length"),
        &FieldBytes::<C>::try_from(y.as_slice()).expect("length"),
    );
    assert!(
        bool::from(on_curve.is_some()),
        "P + T satisfies the curve equation"
    );

    let five_p = scheme::public_point::<C>(&Scalar::<C>::from(5u64));
    let (x, y) = scheme::encode_point::<C>(&five_p);
    assert_eq!(scheme::decode_point::<C>(&x, &y), Ok(five_p));
}

#[test]
fn cofactor_curves_reject_points_outside_the_subgroup() {
    check_subgroup::<tc26_256_a::Tc26Gost256A>(
        "0100FE73F595FF158E974B44D478D9588744FE5C192AC47EA63075DCE7A14AAA",
        (
            "18476B1AF2E5CECDC380E4C91D2A3A5C2B6C0788066615E2B4E9A63246463E96",
            "4CFA952E3B48A1409977E07FABA396136986D7E8EDC05C336154375BE5070030",
        ),
    );
    check_subgroup::<tc26_512_c::Tc26Gost512C>(
        concat!(
            "9A628F975594ECEFD89BA28A2539FFB79C8AB238AEED0851FA5C1ABB02B80B44",
            "C6734501B83A011DD625CD0B5145091A6D9ACD4B1F5C5B1E21B2B249DDFD1271"
        ),
        (
            concat!(
                "A971A08C11434AED18BE284BDA0575DF3112277F7F11DB4CFC63762467ACF3A9",
                "AD39E333D5727748008CA4A7275F22CE793D6E36A77CF3EE6793FDA38008C4BB"
            ),
            concat!(
                "A9D47F0ED920FAC7438C4DE7042D95E15B4DCED16636D7D59C54ECB3089D0F88",
                "9DD8856EFE606B368BDDD793C97053E7C676F70F5BFE30663501B4B3E8C6749D"
            ),
        ),
    );
}

/// The public API's byte order on a production curve: NCA bytes round-trip, the RFC 4491 form is
/// the byte reversal, a wrong length is an error and not a panic.
#[test]
fn nca_layout_round_trips() {
    let key = SigningKey::from_be_bytes(Curve::Tc26Gost512A, &[7u8; 40]).expect("key");
    let public = key.public_key();
    let bytes = public.to_nca_bytes();
    assert_eq!(
        PublicKey::from_nca_bytes(Curve::Tc26Gost512A, &bytes).expect("decodes"),
        public
    );
    let digest = [0x5Au8; 64];
    let signature = key.sign_nca(&digest).expect("signs");
    public.verify_nca(&digest, &signature).expect("verifies");
    assert!(matches!(
        key.sign_nca(&digest[..32]),
        Err(GostError::DigestLength {
            got: 32,
            expected: 64
        })
    ));
    assert!(matches!(
        public.verify_nca(&digest, &signature[1..]),
        Err(GostError::SignatureLength { .. })
    ));
    assert!(format!("{key:?}").contains("Tc26Gost512A"));
}
