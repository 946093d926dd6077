// Package pii is everything wxlend does with personal information before it
// goes anywhere: validation, masking, field encryption and blind indexes
// (spec §3.1 and §3.10; 个人信息保护法 and the lender's data-security rules).
//
// # Validation
//
// ParseIDNumber, ParseName, ParsePhone and ParseBankCard check raw input
// before any paid or logged call out (identity verification, operator and
// bank-card factor checks). A malformed value fails here, for free, with an
// apierr invalid_argument naming the api.md field and a stable reason code,
// and never with the value in the message. They are bounded (inputs over
// 256 bytes are refused by length before they are scanned) and total: any
// string, including invalid UTF-8, gets a value or an error, never a panic.
// The parsed types normalize (upper-case X, digits only, one kind of middle
// dot) because the blind index only matches normalized values. Age policy
// (CheckAdult, CheckAgeWindow) is failed_precondition, not invalid input.
//
// # Masking
//
// Parsed values print masked (String, GoString and slog's LogValue), so
// passing one to a logger or fmt cannot leak it; Plain is the one way to the
// full value. MaskPhone, MaskIDNumber, MaskName and MaskBankCard mask raw
// strings too, for input that failed validation: 138****1234,
// 1101**********1234, 张*, ****1234.
//
// # Field encryption
//
// A Vault does envelope encryption: the KMS (Tencent Cloud KMS in
// production) generates a 32-byte data key under a master key and returns it
// with its wrapped form (the blob); the Vault seals fields under the data
// key with AES-256-GCM or SM4-GCM and stores the blob inside every token.
// Why this shape:
//   - Cost and latency: one GenerateDataKey per cold start for writes, one
//     KMS Decrypt per distinct blob per process for reads (bounded LRU).
//     A KMS call per field would put a network round trip and a metered API
//     call on every request.
//   - Rotation without migration: a token names its algorithm, master key id
//     and wrapped data key, so after the current key id changes, old rows
//     still decrypt (while the KMS keeps the old master key) and can be
//     re-encrypted lazily; InspectToken finds them.
//   - A stolen database or backup holds only ciphertext and blobs that only
//     the KMS, under our cloud identity, can unwrap.
//   - Columns are bound: the field name is in the AAD, so a ciphertext copied
//     into another column (or another user's ID into a phone column) fails
//     with ErrWrongField or ErrTampered instead of being read as that field.
//   - Random 96-bit nonces, and a data key is retired after 2^28 uses, far
//     inside the GCM limit.
//
// SM4-GCM exists for deployments held to the national standards (商用密码);
// SM4's 16-byte key is derived from the data key with HKDF-SM3.
//
// # Blind index
//
// Ciphertexts are randomized and cannot be compared, so equality look-ups
// (one account per ID number, search by phone) use BlindIndex, an HMAC under
// a separate secret key with the field name for domain separation.
package pii
