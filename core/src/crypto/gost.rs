//! GOST R 34.10 signatures in the NCA byte order (being written).
