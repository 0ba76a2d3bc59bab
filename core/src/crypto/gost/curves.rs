//! The GOST R 34.10 parameter sets as RustCrypto curve types.
//!
//! Each parameter set becomes a `primeorder` short-Weierstrass curve whose base field and scalar
//! field are `primefield` Montgomery fields over `crypto-bigint` integers, built from the moduli
//! alone (no generated per-prime code exists for these primes). Every constant is written exactly
//! as its standard prints it, big-endian hex, and is range-checked at compile time by
//! `from_hex_vartime`; the unit tests check that each generator lies on its curve and has order q.
//!
//! Why the 0.14 line (`primeorder`/`primefield`/`elliptic-curve` 0.14, `crypto-bigint` 0.7) and not
//! the 0.13 line already in the lock file: in 0.13 a field type for a new prime needs
//! fiat-crypto-generated functions (`impl_mont_field_element!`) or a hand-written `ff::PrimeField`
//! wrapper, while 0.14's `primefield::monty_field_*` macros derive the whole field from the modulus
//! on top of `crypto-bigint`'s constant-time Montgomery arithmetic. The cost is a newer MSRV: the
//! unyanked `crypto-bigint` 0.7 releases need Rust 1.87.
//!
//! Each curve's `primeorder` backend is `scheme::GostBackend`: a constant-time table of multiples
//! of the generator for signing (`basepoint_window` = 1 + the scalar size in bytes lookup tables of
//! 8 points, about 100 KB of static memory for a 512-bit curve and 25 KB for a 256-bit one, built
//! on first use) and a precomputed w-NAF table of the generator for verification
//! (`verify_window`).
//!
//! `multiplicative_generator` is a primitive root modulo the prime where the prime minus one could
//! be factored, otherwise the least quadratic non-residue: the only property `crypto-bigint`
//! relies on (for square roots, checked at compile time). The signature scheme uses neither.

use super::scheme::GostParams;

/// Declares one parameter set: a module with its base field, its scalar field and the curve type.
macro_rules! gost_curve {
    (
        $(#[$meta:meta])*
        mod $module:ident;
        curve: $curve:ident,
        uint: $uint:ident,
        bytes: $bytes:ident,
        p: $p:expr,
        p_generator: $p_gen:literal,
        q: $q:expr,
        q_generator: $q_gen:literal,
        cofactor: $cofactor:literal,
        a: $a:expr,
        equation_a: $equation_a:ident,
        b: $b:expr,
        x: $x:expr,
        y: $y:expr,
        nonce_digest: $nonce_digest:ty,
        basepoint_window: $basepoint_window:literal,
        verify_window: $verify_window:ident $(,)?
    ) => {
        $(#[$meta])*
        pub(crate) mod $module {
            use elliptic_curve::bigint::{$uint, Odd};
            use elliptic_curve::consts::$bytes;
            use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
            use primeorder::{PrimeCurveParams, point_arithmetic};

            pub(crate) use self::field::FieldElement;
            pub(crate) use self::scalar::Scalar;

            // primefield 0.14.0's macros call `Uint::bits`, deprecated since crypto-bigint 0.7.10.
            #[allow(deprecated)]
            mod field {
                // The `primefield` macros name these traits and types unqualified.
                use elliptic_curve::bigint::$uint;
                use elliptic_curve::ff::PrimeField;
                use elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

                primefield::monty_field_params! {
                    name: FieldParams,
                    modulus: $p,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $p_gen,
                    doc: "Montgomery parameters of the base field modulus p"
                }

                primefield::monty_field_element! {
                    name: FieldElement,
                    params: FieldParams,
                    uint: $uint,
                    doc: "Element of the base field GF(p)"
                }

                primefield::monty_field_arithmetic! {
                    name: FieldElement,
                    params: FieldParams,
                    uint: $uint
                }

                impl elliptic_curve::ops::BatchInvert for FieldElement {}
            }

            #[allow(deprecated)]
            mod scalar {
                use super::$curve;
                use elliptic_curve::bigint::$uint;
                use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
                use elliptic_curve::ff::PrimeField;
                use elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};
                use elliptic_curve::Curve as _;

                primefield::monty_field_params! {
                    name: ScalarParams,
                    modulus: $q,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $q_gen,
                    doc: "Montgomery parameters of the group order q"
                }

                primefield::monty_field_element! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                    doc: "Element of the scalar field GF(q)"
                }

                primefield::monty_field_arithmetic! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint
                }

                primefield::monty_field_reduce! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                }

                elliptic_curve::scalar_impls!($curve, Scalar);
                primeorder::wnaf::impl_wnaf_size_for_scalar!(Scalar);

                impl AsRef<Scalar> for Scalar {
                    fn as_ref(&self) -> &Scalar {
                        self
                    }
                }

                impl FromUintUnchecked for Scalar {
                    type Uint = $uint;

                    fn from_uint_unchecked(uint: Self::Uint) -> Self {
                        Self::from_uint_unchecked(uint)
                    }
                }

                // Required by `CurveArithmetic`; GOST has no low-s normalisation.
                impl IsHigh for Scalar {
                    fn is_high(&self) -> Choice {
                        const HALF_ORDER: $uint = $curve::ORDER.as_ref().shr_vartime(1);
                        self.to_canonical().ct_gt(&HALF_ORDER)
                    }
                }
            }

            /// The curve as a `primeorder` type.
            #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
            pub struct $curve;

            impl elliptic_curve::Curve for $curve {
                type FieldBytesSize = $bytes;
                type Uint = $uint;
                const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex($q);
            }

            // The group generated by P has prime order q. On the cofactor-4 sets only points of
            // that subgroup are ever admitted (see `GostParams::COFACTOR`), which is what the
            // complete addition formulas of `primeorder` require.
            impl elliptic_curve::PrimeCurve for $curve {}

            impl CurveArithmetic for $curve {
                type AffinePoint = primeorder::AffinePoint<$curve>;
                type ProjectivePoint = primeorder::ProjectivePoint<$curve>;
                type Scalar = Scalar;
            }

            impl FieldArithmetic for $curve {
                type FieldElement = FieldElement;
            }

            impl PrimeCurveArithmetic for $curve {
                type CurveGroup = primeorder::ProjectivePoint<$curve>;
            }

            impl PrimeCurveParams for $curve {
                type PointArithmetic = point_arithmetic::$equation_a;
                type Backend = crate::crypto::gost::scheme::GostBackend<$basepoint_window>;

                const EQUATION_A: FieldElement = FieldElement::from_hex_vartime($a);
                const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
                const GENERATOR: (FieldElement, FieldElement) = (
                    FieldElement::from_hex_vartime($x),
                    FieldElement::from_hex_vartime($y),
                );
            }

            /// Multiples of the generator for `mul_by_generator` (signing, public keys), built on
            /// first use: 1 + the scalar size in bytes lookup tables of 8 points each.
            static BASEPOINT_TABLE: primeorder::BasepointTable<
                primeorder::ProjectivePoint<$curve>,
                $basepoint_window,
            > = primeorder::BasepointTable::new();

            impl primeorder::PrimeCurveWithBasepointTable<$basepoint_window> for $curve {
                const BASEPOINT_TABLE: &'static primeorder::BasepointTable<
                    primeorder::ProjectivePoint<$curve>,
                    $basepoint_window,
                > = &BASEPOINT_TABLE;
            }

            impl super::GostParams for $curve {
                const COFACTOR: u8 = $cofactor;
                type NonceDigest = $nonce_digest;
                type VerifyWindow = elliptic_curve::consts::$verify_window;

                fn generator_wnaf() -> &'static primeorder::wnaf::WnafBase<
                    primeorder::ProjectivePoint<$curve>,
                    Self::VerifyWindow,
                > {
                    static TABLE: std::sync::LazyLock<
                        primeorder::wnaf::WnafBase<
                            primeorder::ProjectivePoint<$curve>,
                            elliptic_curve::consts::$verify_window,
                        >,
                    > = std::sync::LazyLock::new(|| {
                        primeorder::wnaf::WnafBase::new(&primeorder::ProjectivePoint::GENERATOR)
                    });
                    &TABLE
                }
            }
        }
    };
}

#[cfg(test)]
pub(crate) use gost_curve;

gost_curve! {
    /// id-tc26-gost-3410-12-512-paramSetA (1.2.643.7.1.2.1.2.1), TC26 recommendations
    /// R 1323565.1.024-2019; the NCA's GOST 2015-512 curve (1.2.398.3.10.1.1.2.2.1).
    mod tc26_512_a;
    curve: Tc26Gost512A,
    uint: U512,
    bytes: U64,
    p: concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"
    ),
    p_generator: 5,
    q: concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275"
    ),
    q_generator: 2,
    cofactor: 1,
    a: concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4"
    ),
    equation_a: EquationAIsMinusThree,
    b: concat!(
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265",
        "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760"
    ),
    x: concat!(
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000003"
    ),
    y: concat!(
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921",
        "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"
    ),
    nonce_digest: streebog::Streebog512,
    basepoint_window: 65,
    verify_window: U5,
}

gost_curve! {
    /// id-tc26-gost-3410-12-512-paramSetB (1.2.643.7.1.2.1.2.2), TC26 recommendations
    /// R 1323565.1.024-2019.
    mod tc26_512_b;
    curve: Tc26Gost512B,
    uint: U512,
    bytes: U64,
    p: concat!(
        "8000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000000000000000000000000006F"
    ),
    p_generator: 7,
    q: concat!(
        "8000000000000000000000000000000000000000000000000000000000000001",
        "49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD"
    ),
    q_generator: 2,
    cofactor: 1,
    a: concat!(
        "8000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000000000000000000000000006C"
    ),
    equation_a: EquationAIsMinusThree,
    b: concat!(
        "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F",
        "3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116"
    ),
    x: concat!(
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000002"
    ),
    y: concat!(
        "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335",
        "DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD"
    ),
    nonce_digest: streebog::Streebog512,
    basepoint_window: 65,
    verify_window: U5,
}

gost_curve! {
    /// id-tc26-gost-3410-2012-512-paramSetC (1.2.643.7.1.2.1.2.3), RFC 7836 Appendix A.1, in the
    /// short Weierstrass form printed there (a twisted Edwards curve, cofactor 4).
    mod tc26_512_c;
    curve: Tc26Gost512C,
    uint: U512,
    bytes: U64,
    p: concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"
    ),
    p_generator: 5,
    q: concat!(
        "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED"
    ),
    q_generator: 2,
    cofactor: 4,
    a: concat!(
        "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645",
        "46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3"
    ),
    equation_a: EquationAIsGeneric,
    b: concat!(
        "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0",
        "38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1"
    ),
    x: concat!(
        "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A",
        "A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148"
    ),
    y: concat!(
        "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B",
        "E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F"
    ),
    nonce_digest: streebog::Streebog512,
    basepoint_window: 65,
    verify_window: U5,
}

gost_curve! {
    /// id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1), RFC 7836 Appendix A.2, in the
    /// short Weierstrass form printed there (a twisted Edwards curve, cofactor 4).
    mod tc26_256_a;
    curve: Tc26Gost256A,
    uint: U256,
    bytes: U32,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    p_generator: 7,
    q: "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
    q_generator: 5,
    cofactor: 4,
    a: "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
    equation_a: EquationAIsGeneric,
    b: "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
    x: "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
    y: "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
    nonce_digest: streebog::Streebog256,
    basepoint_window: 33,
    verify_window: U5,
}

gost_curve! {
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1), RFC 4357 §11.4; also
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet (1.2.643.2.2.36.0). The curve of GOST 34.310-2004.
    mod cryptopro_a;
    curve: CryptoProA,
    uint: U256,
    bytes: U32,
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    p_generator: 7,
    q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
    q_generator: 5,
    cofactor: 1,
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
    equation_a: EquationAIsMinusThree,
    b: "00000000000000000000000000000000000000000000000000000000000000A6",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    nonce_digest: streebog::Streebog256,
    basepoint_window: 33,
    verify_window: U5,
}

gost_curve! {
    /// id-GostR3410-2001-CryptoPro-B-ParamSet (1.2.643.2.2.35.2), RFC 4357 §11.4.
    mod cryptopro_b;
    curve: CryptoProB,
    uint: U256,
    bytes: U32,
    p: "8000000000000000000000000000000000000000000000000000000000000C99",
    p_generator: 3,
    q: "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
    q_generator: 5,
    cofactor: 1,
    a: "8000000000000000000000000000000000000000000000000000000000000C96",
    equation_a: EquationAIsMinusThree,
    b: "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
    nonce_digest: streebog::Streebog256,
    basepoint_window: 33,
    verify_window: U5,
}

gost_curve! {
    /// id-GostR3410-2001-CryptoPro-C-ParamSet (1.2.643.2.2.35.3), RFC 4357 §11.4; also
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet (1.2.643.2.2.36.1).
    mod cryptopro_c;
    curve: CryptoProC,
    uint: U256,
    bytes: U32,
    p: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
    p_generator: 2,
    q: "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
    q_generator: 13,
    cofactor: 1,
    a: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
    equation_a: EquationAIsMinusThree,
    b: "000000000000000000000000000000000000000000000000000000000000805A",
    x: "0000000000000000000000000000000000000000000000000000000000000000",
    y: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
    nonce_digest: streebog::Streebog256,
    basepoint_window: 33,
    verify_window: U5,
}
