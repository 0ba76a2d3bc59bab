//! The GOST R 34.10-2012 equations (§6.1 signing, §6.2 verification) over one parameter set.
//!
//! Integers cross this module big-endian, as `FieldBytes` (the encoding of the `primefield` types);
//! the NCA's little-endian byte order is handled by the caller, in the module root.

use elliptic_curve::array::Array;
use elliptic_curve::group::Group;
use elliptic_curve::ops::{Invert, MulByGeneratorVartime, Reduce};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::subtle::ConditionallySelectable;
use elliptic_curve::{Curve, Field, FieldBytes, PrimeField, Scalar};
use primeorder::wnaf::{WindowSize, WnafBase, WnafScalar};
use primeorder::{
    AffinePoint, MulBackend, PrimeCurveParams, PrimeCurveWithBasepointTable, ProjectivePoint,
};
use zeroize::Zeroizing;

use super::GostError;

/// What a parameter set adds to `primeorder`'s description for GOST.
pub(crate) trait GostParams: PrimeCurveParams {
    /// #E(GF(p)) / q. Where it is not 1, a public key must also be shown to lie in the order-q
    /// subgroup: `primeorder` is written for prime-order groups and verification assumes one.
    const COFACTOR: u8;

    /// The hash of the HMAC-DRBG that derives nonces (RFC 6979 §3.2): Streebog of the coordinate
    /// size, the hash the NCA pairs with each key size.
    type NonceDigest: rfc6979::hmac::digest::Digest
        + rfc6979::hmac::digest::block_api::BlockSizeUser;

    /// The w-NAF window of verification's z1·P + z2·Q (see [`GostBackend`]).
    type VerifyWindow: WindowSize;

    /// The odd multiples P, 3P, 5P, … of the generator for that window, computed once per process.
    fn generator_wnaf() -> &'static WnafBase<ProjectivePoint<Self>, Self::VerifyWindow>;
}

/// The scalar-multiplication backend of the GOST curves (`PrimeCurveParams::Backend`): where
/// `primeorder` lets a curve plug in precomputation, with `primeorder`'s and `wnaf`'s own
/// algorithms and the curve library's point formulas.
///
/// - k·P in signing and d·P for a public key (`mul_by_generator`, secret scalars): `primeorder`'s
///   constant-time `BasepointTable`, fixed-window lookups by selection in a table of multiples of
///   P built once per process (`WINDOW` = 1 + the scalar size in bytes). That replaces the |q|
///   doublings and |q|/4 additions of a variable-base multiplication by about |q|/4 additions,
///   with no branch or memory access depending on the scalar.
/// - z1·P + z2·Q in verification (`mul_by_generator_and_mul_add_vartime`, public scalars): one
///   interleaved w-NAF multiplication (Shamir's trick: the doublings are shared) as `primeorder`'s
///   default does, but with P's table of odd multiples built once per process instead of per
///   signature (`GostParams::VerifyWindow`: 5 bits, `primeorder`'s own choice; the `wnaf` crate's
///   digits overflow from 7 bits on, which its debug builds refuse).
///
/// `pub` only because the curve types whose `Backend` it is are; this module is private.
pub struct GostBackend<const WINDOW: usize>;

impl<C, const WINDOW: usize> MulBackend<C> for GostBackend<WINDOW>
where
    C: GostParams + PrimeCurveWithBasepointTable<WINDOW>,
{
    fn mul_by_generator(k: &Scalar<C>) -> ProjectivePoint<C> {
        C::BASEPOINT_TABLE.mul(k)
    }

    fn mul_by_generator_vartime(k: &Scalar<C>) -> ProjectivePoint<C> {
        C::BASEPOINT_TABLE.mul_vartime(k)
    }

    fn mul_by_generator_and_mul_add_vartime(
        a: &Scalar<C>,
        b_scalar: &Scalar<C>,
        b_point: &ProjectivePoint<C>,
    ) -> ProjectivePoint<C> {
        let b_table = WnafBase::<ProjectivePoint<C>, C::VerifyWindow>::new(b_point);
        let a_digits = WnafScalar::<Scalar<C>, C::VerifyWindow>::new(a);
        let b_digits = WnafScalar::<Scalar<C>, C::VerifyWindow>::new(b_scalar);
        WnafBase::multiscalar_mul(
            [(C::generator_wnaf(), &a_digits), (&b_table, &b_digits)].into_iter(),
        )
    }
}

/// Decodes a public key Q from its big-endian affine coordinates.
///
/// Rejects coordinates not below p, points not on the curve (the curve equation check is
/// `AffineCoordinates::from_coordinates`), and on cofactor curves points outside the subgroup of
/// order q. The identity has no affine coordinates, so it cannot be encoded at all.
pub(crate) fn decode_point<C: GostParams>(x: &[u8], y: &[u8]) -> Result<AffinePoint<C>, GostError> {
    let x = field_bytes::<C>(x).ok_or(GostError::InvalidPoint)?;
    let y = field_bytes::<C>(y).ok_or(GostError::InvalidPoint)?;
    let point = Option::<AffinePoint<C>>::from(AffinePoint::<C>::from_coordinates(&x, &y))
        .ok_or(GostError::InvalidPoint)?;
    if C::COFACTOR != 1 {
        // q·Q = O, computed as (q − 1)·Q + Q: the scalar q itself would reduce to zero, while the
        // multiplication uses the integer q − 1, so this is a genuine order check. Outside the
        // odd-order subgroup the complete formulas of `primeorder` (Renes–Costello–Batina) can
        // meet an exceptional pair, whose output is the invalid (0:0:0); it then stays (0:0:0)
        // and compares equal to every point. A true identity (0:λ:0) differs from P, so "equal to
        // the identity and not to P" accepts exactly the points of order q.
        let q_minus_one = -Scalar::<C>::ONE;
        let projective = ProjectivePoint::<C>::from(point);
        let q_times = projective.mul_vartime(&q_minus_one) + projective;
        let identity = bool::from(q_times.is_identity());
        let degenerate = q_times == ProjectivePoint::<C>::GENERATOR;
        if !identity || degenerate {
            return Err(GostError::InvalidPoint);
        }
    }
    Ok(point)
}

/// The big-endian affine coordinates (x, y) of a point other than the identity.
pub(crate) fn encode_point<C: GostParams>(
    point: &AffinePoint<C>,
) -> (FieldBytes<C>, FieldBytes<C>) {
    (point.x(), point.y())
}

/// Decodes a private key d: 0 < d < q.
pub(crate) fn decode_scalar<C: GostParams>(d: &[u8]) -> Result<Scalar<C>, GostError> {
    let bytes = Zeroizing::new(field_bytes::<C>(d).ok_or(GostError::InvalidPrivateKey)?);
    let d = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(*bytes))
        .ok_or(GostError::InvalidPrivateKey)?;
    if bool::from(d.is_zero()) {
        return Err(GostError::InvalidPrivateKey);
    }
    Ok(d)
}

/// Q = d·P, in constant time (the generator table of [`GostBackend`]).
pub(crate) fn public_point<C: GostParams>(d: &Scalar<C>) -> AffinePoint<C> {
    ProjectivePoint::<C>::mul_by_generator(d).to_affine()
}

/// Steps 2–3 of signing and of verification (module documentation): e = α mod q, and e = 1
/// when that is zero.
fn digest_scalar<C: GostParams>(alpha: &FieldBytes<C>) -> Scalar<C> {
    let e = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(alpha);
    Scalar::<C>::conditional_select(&e, &Scalar::<C>::ONE, e.is_zero())
}

/// r = x_C mod q for C = k·P or C = z1·P + z2·Q (the identity has no x and yields None).
fn x_mod_q<C: GostParams>(point: &ProjectivePoint<C>) -> Option<Scalar<C>> {
    let affine = point.to_affine();
    if bool::from(affine.is_identity()) {
        return None;
    }
    Some(<Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&affine.x()))
}

/// §6.2, verification, on the big-endian α (the digest as an integer), r and s.
pub(crate) fn verify<C: GostParams>(
    q_point: &AffinePoint<C>,
    alpha: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<(), GostError> {
    let alpha = field_bytes::<C>(alpha).ok_or(GostError::BadSignature)?;
    // 1. 0 < r < q and 0 < s < q, or the signature is rejected.
    let r = nonzero_below_q::<C>(r).ok_or(GostError::BadSignature)?;
    let s = nonzero_below_q::<C>(s).ok_or(GostError::BadSignature)?;
    // 2–3. e = α mod q; e = 1 if it is 0.
    let e = digest_scalar::<C>(&alpha);
    // 4. v = e⁻¹ mod q (public data: variable time is fine).
    let v = Option::<Scalar<C>>::from(e.invert_vartime()).ok_or(GostError::BadSignature)?;
    // 5. z1 = s·v mod q, z2 = −r·v mod q.
    let z1 = s * v;
    let z2 = -(r * v);
    // 6. C = z1·P + z2·Q (one interleaved w-NAF multiplication, `GostBackend`); R = x_C mod q.
    let c = ProjectivePoint::<C>::mul_by_generator_and_mul_add_vartime(
        &z1,
        &z2,
        &ProjectivePoint::<C>::from(*q_point),
    );
    let big_r = x_mod_q::<C>(&c).ok_or(GostError::BadSignature)?;
    // 7. Accept if and only if R = r.
    if big_r == r {
        Ok(())
    } else {
        Err(GostError::BadSignature)
    }
}

/// §6.1 steps 4–6 for one nonce k: C = k·P, r = x_C mod q, s = (r·d + k·e) mod q. None when r or
/// s is zero, in which case the standard asks for another k.
pub(crate) fn sign_with_k<C: GostParams>(
    d: &Scalar<C>,
    alpha: &FieldBytes<C>,
    k: &Scalar<C>,
) -> Option<(FieldBytes<C>, FieldBytes<C>)> {
    let e = digest_scalar::<C>(alpha);
    // 4. C = k·P in constant time (`mul_by_generator` is the curve library's fixed-window,
    // table-lookup-by-selection multiplication over its precomputed multiples of P; see
    // `GostBackend`).
    let c = ProjectivePoint::<C>::mul_by_generator(k);
    // 5. r = x_C mod q; another k if r = 0.
    let r = x_mod_q::<C>(&c)?;
    if bool::from(r.is_zero()) {
        return None;
    }
    // 6. s = (r·d + k·e) mod q; another k if s = 0. Montgomery arithmetic of fixed width: no
    // branch or memory access depends on d or k.
    let s = r * d + *k * e;
    if bool::from(s.is_zero()) {
        return None;
    }
    Some((r.to_repr(), s.to_repr()))
}

/// §6.1 with the nonce k drawn from the HMAC-DRBG of RFC 6979 §3.2 (keyed by d and α): the same
/// key and digest always give the same signature, and no random source can fail or be weak.
pub(crate) fn sign<C: GostParams>(
    d: &Scalar<C>,
    alpha: &[u8],
) -> Result<(FieldBytes<C>, FieldBytes<C>), GostError> {
    let alpha = field_bytes::<C>(alpha).ok_or(GostError::DigestLength {
        got: alpha.len(),
        expected: FieldBytes::<C>::default().len(),
    })?;
    let x = Zeroizing::new(d.to_repr());
    let order = C::ORDER;
    let mut generator = rfc6979::KGenerator::<C::NonceDigest, C::Uint>::new(
        x.as_slice(),
        alpha.as_slice(),
        &[],
        order.as_ref(),
    );
    let mut k_bytes = Zeroizing::new(FieldBytes::<C>::default());
    loop {
        // 4. A nonce 0 < k < q (`fill_next_k` only yields candidates in that range); steps 2–3
        // and 4–6 are `sign_with_k`, and a zero r or s sends the loop back here.
        generator.fill_next_k(k_bytes.as_mut_slice());
        let k = Zeroizing::new(
            Option::<Scalar<C>>::from(Scalar::<C>::from_repr(*k_bytes))
                .unwrap_or(Scalar::<C>::ZERO),
        );
        if bool::from(k.is_zero()) {
            continue;
        }
        if let Some(signature) = sign_with_k::<C>(d, &alpha, &k) {
            return Ok(signature);
        }
    }
}

/// The scalar in 0 < v < q encoded big-endian in `bytes`, else None.
fn nonzero_below_q<C: GostParams>(bytes: &[u8]) -> Option<Scalar<C>> {
    let repr = field_bytes::<C>(bytes)?;
    let v = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr))?;
    (!bool::from(v.is_zero())).then_some(v)
}

/// `bytes` as a `FieldBytes`, if it has exactly the coordinate length.
fn field_bytes<C: Curve>(bytes: &[u8]) -> Option<FieldBytes<C>> {
    Array::try_from(bytes).ok()
}
