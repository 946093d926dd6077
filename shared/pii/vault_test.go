package pii_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/pii/piitest"
)

var _ pii.KeyService = (*piitest.KMS)(nil)

const (
	ec      = `{"app":"wxlend","use":"pii"}`
	fieldID = "users.id_number"
	fieldPh = "users.phone"
)

var algs = []pii.Algorithm{pii.AES256GCM, pii.SM4GCM}

func newVault(t testing.TB, kms pii.KeyService, keyID string, alg pii.Algorithm) *pii.Vault {
	t.Helper()
	v, err := pii.NewVault(pii.VaultConfig{Keys: kms, KeyID: keyID, Algorithm: alg, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustEncrypt(t testing.TB, v *pii.Vault, field, plain string) string {
	t.Helper()
	tok, err := v.Encrypt(context.Background(), field, plain)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVaultRoundTrip(t *testing.T) {
	ctx := context.Background()
	plains := []string{"11010519491231002X", "", "阿卜杜拉·买买提", "13812345678", strings.Repeat("长", pii.MaxPlaintextBytes/3)}
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			kms := piitest.NewKMS("key-1")
			v := newVault(t, kms, "key-1", alg)
			for _, p := range plains {
				tok := mustEncrypt(t, v, fieldID, p)
				if p != "" && strings.Contains(tok, p) {
					t.Fatalf("token contains plaintext")
				}
				got, err := v.Decrypt(ctx, fieldID, tok)
				if err != nil || got != p {
					t.Fatalf("Decrypt = %.20q, %v; want %.20q", got, err, p)
				}
				info, err := pii.InspectToken(tok)
				if err != nil || info != (pii.TokenInfo{Algorithm: alg, KeyID: "key-1"}) {
					t.Fatalf("InspectToken = %+v, %v", info, err)
				}
			}
			a, b := mustEncrypt(t, v, fieldID, "x"), mustEncrypt(t, v, fieldID, "x")
			if a == b {
				t.Fatal("two encryptions of one value are equal: nonce reuse")
			}
		})
	}
}

func TestVaultTokenFormat(t *testing.T) {
	kms := piitest.NewKMS("key-1")
	for alg, code := range map[pii.Algorithm]string{pii.AES256GCM: "A256GCM", pii.SM4GCM: "SM4GCM"} {
		tok := mustEncrypt(t, newVault(t, kms, "key-1", alg), fieldID, "11010519491231002X")
		parts := strings.Split(tok, ".")
		if len(parts) != 6 || parts[0] != "wx1" || parts[1] != code || parts[3] != "a2V5LTE" {
			t.Errorf("token %s: want wx1.%s.<tag>.a2V5LTE.<blob>.<sealed>", tok, code)
		}
		// 12-byte nonce + 18-byte ID + 16-byte tag = 46 bytes = 62 base64 chars.
		if len(parts[5]) != 62 {
			t.Errorf("sealed part is %d chars, want 62", len(parts[5]))
		}
	}
}

func TestVaultReadsEitherAlgorithm(t *testing.T) {
	kms := piitest.NewKMS("key-1")
	aes, sm4 := newVault(t, kms, "key-1", pii.AES256GCM), newVault(t, kms, "key-1", pii.SM4GCM)
	for _, pair := range [][2]*pii.Vault{{aes, sm4}, {sm4, aes}} {
		tok := mustEncrypt(t, pair[0], fieldID, "13812345678")
		if got, err := pair[1].Decrypt(context.Background(), fieldID, tok); err != nil || got != "13812345678" {
			t.Errorf("cross-algorithm Decrypt = %q, %v", got, err)
		}
	}
}

func TestVaultRotation(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1")
	old := mustEncrypt(t, newVault(t, kms, "key-1", pii.AES256GCM), fieldID, "11010519491231002X")

	kms.AddKey("key-2") // rotation: new master key, new config, new cold start
	v2 := newVault(t, kms, "key-2", pii.SM4GCM)
	if got, err := v2.Decrypt(ctx, fieldID, old); err != nil || got != "11010519491231002X" {
		t.Fatalf("old token after rotation: %q, %v", got, err)
	}
	fresh := mustEncrypt(t, v2, fieldID, "440308199901101512")
	if info, _ := pii.InspectToken(fresh); info.KeyID != "key-2" || info.Algorithm != pii.SM4GCM {
		t.Fatalf("new token under %+v, want key-2 SM4-GCM", info)
	}
	if info, _ := pii.InspectToken(old); info.KeyID != "key-1" {
		t.Fatalf("old token under %+v", info)
	}

	// Retiring key 1 in the KMS makes its tokens unreadable for a new
	// process: re-encrypt before disabling.
	kms.DisableKey("key-1")
	_, err := newVault(t, kms, "key-2", pii.SM4GCM).Decrypt(ctx, fieldID, old)
	if !errors.Is(err, pii.ErrKeyService) || !errors.Is(err, piitest.ErrKeyDisabled) {
		t.Fatalf("token of a disabled key: %v", err)
	}
	if got, err := newVault(t, kms, "key-2", pii.AES256GCM).Decrypt(ctx, fieldID, fresh); err != nil || got != "440308199901101512" {
		t.Fatalf("key-2 token: %q, %v", got, err)
	}
}

// TestVaultTamper changes every character of a token in turn, and flips
// every bit of the sealed part: each change must be an error of the typed
// set, never a wrong plaintext.
func TestVaultTamper(t *testing.T) {
	ctx := context.Background()
	for _, alg := range algs {
		kms := piitest.NewKMS("key-1")
		v := newVault(t, kms, "key-1", alg)
		tok := mustEncrypt(t, v, fieldID, "11010519491231002X")
		for i := 0; i < len(tok); i++ {
			for _, c := range []byte{'A', '_', '.', '0'} {
				if tok[i] == c {
					continue
				}
				bad := tok[:i] + string(c) + tok[i+1:]
				got, err := v.Decrypt(ctx, fieldID, bad)
				if err == nil {
					t.Fatalf("%s: byte %d -> %c decrypted to %q", alg, i, c, got)
				}
				if !isTyped(err) {
					t.Fatalf("%s: byte %d: untyped error %v", alg, i, err)
				}
			}
		}
		for i := 0; i < len(tok); i++ {
			if _, err := v.Decrypt(ctx, fieldID, tok[:i]); err == nil {
				t.Fatalf("%s: truncated to %d decrypted", alg, i)
			}
		}
		parts := strings.Split(tok, ".")
		sealed, _ := b64Decode(parts[5])
		for bit := 0; bit < len(sealed)*8; bit++ {
			flipped := append([]byte(nil), sealed...)
			flipped[bit/8] ^= 1 << (bit % 8)
			parts[5] = b64Encode(flipped)
			if _, err := v.Decrypt(ctx, fieldID, strings.Join(parts, ".")); !errors.Is(err, pii.ErrTampered) {
				t.Fatalf("%s: bit %d flipped: err = %v, want ErrTampered", alg, bit, err)
			}
		}
	}
}

func isTyped(err error) bool {
	for _, e := range []error{pii.ErrMalformedToken, pii.ErrUnknownAlgorithm, pii.ErrWrongField, pii.ErrTampered, pii.ErrKeyService} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func TestVaultSplicedHeader(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1", "key-2")
	v1, v2 := newVault(t, kms, "key-1", pii.AES256GCM), newVault(t, kms, "key-2", pii.AES256GCM)
	a, b := strings.Split(mustEncrypt(t, v1, fieldID, "a"), "."), strings.Split(mustEncrypt(t, v2, fieldID, "b"), ".")
	// key id of one token with the rest of another: the KMS unwraps the real
	// blob, but the AAD no longer matches.
	spliced := strings.Join([]string{a[0], a[1], a[2], b[3], a[4], a[5]}, ".")
	if _, err := v1.Decrypt(ctx, fieldID, spliced); !errors.Is(err, pii.ErrTampered) {
		t.Fatalf("spliced key id: %v, want ErrTampered", err)
	}
	// sealed part under another data key.
	spliced = strings.Join([]string{a[0], a[1], a[2], a[3], a[4], b[5]}, ".")
	if _, err := v1.Decrypt(ctx, fieldID, spliced); !errors.Is(err, pii.ErrTampered) {
		t.Fatalf("spliced ciphertext: %v, want ErrTampered", err)
	}
	// algorithm relabelled.
	spliced = strings.Join([]string{a[0], "SM4GCM", a[2], a[3], a[4], a[5]}, ".")
	if _, err := v1.Decrypt(ctx, fieldID, spliced); !errors.Is(err, pii.ErrTampered) {
		t.Fatalf("relabelled algorithm: %v, want ErrTampered", err)
	}
	for _, alg := range []string{"A128GCM", "", "a256gcm"} {
		bad := strings.Join([]string{a[0], alg, a[2], a[3], a[4], a[5]}, ".")
		if _, err := v1.Decrypt(ctx, fieldID, bad); !errors.Is(err, pii.ErrUnknownAlgorithm) {
			t.Fatalf("algorithm %q: %v, want ErrUnknownAlgorithm", alg, err)
		}
	}
}

func TestVaultFieldBinding(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, piitest.NewKMS("key-1"), "key-1", pii.SM4GCM)
	id := mustEncrypt(t, v, fieldID, "11010519491231002X")
	if _, err := v.Decrypt(ctx, fieldPh, id); !errors.Is(err, pii.ErrWrongField) {
		t.Fatalf("ID token read as phone: %v, want ErrWrongField", err)
	}
	// Forge the public field tag: the AAD still binds the real field.
	ph := strings.Split(mustEncrypt(t, v, fieldPh, "13812345678"), ".")
	parts := strings.Split(id, ".")
	parts[2] = ph[2]
	if _, err := v.Decrypt(ctx, fieldPh, strings.Join(parts, ".")); !errors.Is(err, pii.ErrTampered) {
		t.Fatalf("forged field tag: %v, want ErrTampered", err)
	}
}

func TestVaultCachesDataKeys(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1")
	writer := newVault(t, kms, "key-1", pii.AES256GCM)
	if kms.GenerateDataKeyCalls() != 0 {
		t.Fatal("NewVault called the KMS")
	}
	var toks []string
	for i := 0; i < 100; i++ {
		toks = append(toks, mustEncrypt(t, writer, fieldID, fmt.Sprint(i)))
	}
	for _, tok := range toks {
		if _, err := writer.Decrypt(ctx, fieldID, tok); err != nil {
			t.Fatal(err)
		}
	}
	if g, d := kms.GenerateDataKeyCalls(), kms.DecryptCalls(); g != 1 || d != 0 {
		t.Fatalf("writer: %d GenerateDataKey, %d Decrypt; want 1, 0", g, d)
	}
	reader := newVault(t, kms, "key-1", pii.AES256GCM) // another process
	for _, tok := range toks {
		if _, err := reader.Decrypt(ctx, fieldID, tok); err != nil {
			t.Fatal(err)
		}
	}
	if g, d := kms.GenerateDataKeyCalls(), kms.DecryptCalls(); g != 1 || d != 1 {
		t.Fatalf("reader: %d GenerateDataKey, %d Decrypt; want 1, 1", g, d)
	}
}

func TestVaultConcurrentColdStart(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1")
	tok := mustEncrypt(t, newVault(t, kms, "key-1", pii.SM4GCM), fieldID, "13812345678")
	cold := newVault(t, kms, "key-1", pii.SM4GCM)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := cold.Encrypt(ctx, fieldPh, "13812345678")
			errs <- err
		}()
		go func() {
			defer wg.Done()
			got, err := cold.Decrypt(ctx, fieldID, tok)
			if err == nil && got != "13812345678" {
				err = fmt.Errorf("got %q", got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if g, d := kms.GenerateDataKeyCalls(), kms.DecryptCalls(); g != 2 || d != 1 {
		t.Fatalf("%d GenerateDataKey, %d Decrypt; want 2 (one per vault), 1", g, d)
	}
}

func TestVaultCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1")
	var toks []string
	for i := 0; i < 3; i++ { // three processes, three data keys
		toks = append(toks, mustEncrypt(t, newVault(t, kms, "key-1", pii.AES256GCM), fieldID, "v"))
	}
	reader, err := pii.NewVault(pii.VaultConfig{Keys: kms, KeyID: "key-1", Algorithm: pii.AES256GCM, EncryptionContext: ec, CacheEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	before := kms.DecryptCalls()
	for round := 0; round < 2; round++ {
		for _, tok := range toks {
			if _, err := reader.Decrypt(ctx, fieldID, tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	// LRU of 2 cycling through 3 keys misses every time.
	if got := kms.DecryptCalls() - before; got != 6 {
		t.Fatalf("%d KMS Decrypt calls, want 6", got)
	}
	before = kms.DecryptCalls()
	for i := 0; i < 10; i++ {
		reader.Decrypt(ctx, fieldID, toks[2])
	}
	if got := kms.DecryptCalls() - before; got != 0 {
		t.Fatalf("%d KMS Decrypt calls for a cached key, want 0", got)
	}
}

func TestVaultKMSFailuresAreNotCached(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1")
	outage := apierr.New(apierr.Unavailable, "kms unavailable")
	v := newVault(t, kms, "key-1", pii.AES256GCM)
	kms.FailNext(outage)
	_, err := v.Encrypt(ctx, fieldID, "x")
	if !errors.Is(err, pii.ErrKeyService) || apierr.CodeOf(err) != apierr.Unavailable {
		t.Fatalf("Encrypt during outage: %v (code %s)", err, apierr.CodeOf(err))
	}
	tok := mustEncrypt(t, v, fieldID, "x")

	reader := newVault(t, kms, "key-1", pii.AES256GCM)
	kms.FailNext(outage)
	if _, err := reader.Decrypt(ctx, fieldID, tok); !errors.Is(err, pii.ErrKeyService) {
		t.Fatalf("Decrypt during outage: %v", err)
	}
	if got, err := reader.Decrypt(ctx, fieldID, tok); err != nil || got != "x" {
		t.Fatalf("Decrypt after outage: %q, %v", got, err)
	}
}

func TestVaultWrongEncryptionContext(t *testing.T) {
	kms := piitest.NewKMS("key-1")
	tok := mustEncrypt(t, newVault(t, kms, "key-1", pii.AES256GCM), fieldID, "x")
	other, _ := pii.NewVault(pii.VaultConfig{Keys: kms, KeyID: "key-1", Algorithm: pii.AES256GCM, EncryptionContext: `{"use":"other"}`})
	if _, err := other.Decrypt(context.Background(), fieldID, tok); !errors.Is(err, piitest.ErrInvalidCiphertext) {
		t.Fatalf("other context: %v", err)
	}
	if apierr.CodeOf(pii.ErrTampered) != apierr.Internal {
		t.Fatal("decrypt errors must be internal at the edge")
	}
}

func TestVaultInputErrors(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, piitest.NewKMS("key-1"), "key-1", pii.AES256GCM)
	for _, f := range []string{"", "users id", "users.名字", strings.Repeat("f", 129), "a\x00b"} {
		if _, err := v.Encrypt(ctx, f, "x"); !errors.Is(err, pii.ErrInvalidField) {
			t.Errorf("Encrypt field %q: %v", f, err)
		}
		if _, err := v.Decrypt(ctx, f, "x"); !errors.Is(err, pii.ErrInvalidField) {
			t.Errorf("Decrypt field %q: %v", f, err)
		}
	}
	if _, err := v.Encrypt(ctx, fieldID, strings.Repeat("x", pii.MaxPlaintextBytes+1)); !errors.Is(err, pii.ErrPlaintextTooLarge) {
		t.Errorf("large plaintext: %v", err)
	}
	for _, tok := range []string{"", "wx1", "wx1.A256GCM.a.b.c", "wx2.A256GCM.AAAAAAAA.a2V5LTE.AA.AAAA", "wx1.A256GCM.AAAAAAAA.a2V5LTE.AA.AAAA.x", strings.Repeat("a", 20000)} {
		if _, err := v.Decrypt(ctx, fieldID, tok); !errors.Is(err, pii.ErrMalformedToken) {
			t.Errorf("Decrypt(%.30q): %v, want ErrMalformedToken", tok, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := newVault(t, piitest.NewKMS("key-1"), "key-1", pii.AES256GCM).Encrypt(cancelled, fieldID, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Encrypt: %v", err)
	}
	if _, err := v.Encrypt(ctx, fieldID, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := pii.NewVault(pii.VaultConfig{Keys: piitest.NewKMS(), KeyID: "nope", Algorithm: pii.AES256GCM, EncryptionContext: ec}); err != nil {
		t.Fatal(err) // an unknown key is only found out on first use
	}
}

func TestNewVaultConfig(t *testing.T) {
	kms := piitest.NewKMS("key-1")
	bad := []pii.VaultConfig{
		{KeyID: "key-1", Algorithm: pii.AES256GCM, EncryptionContext: ec},
		{Keys: kms, Algorithm: pii.AES256GCM, EncryptionContext: ec},
		{Keys: kms, KeyID: strings.Repeat("k", 257), Algorithm: pii.AES256GCM, EncryptionContext: ec},
		{Keys: kms, KeyID: "key-1", Algorithm: "AES-128-CBC", EncryptionContext: ec},
		{Keys: kms, KeyID: "key-1", EncryptionContext: ec},
		{Keys: kms, KeyID: "key-1", Algorithm: pii.SM4GCM},
		{Keys: kms, KeyID: "key-1", Algorithm: pii.SM4GCM, EncryptionContext: ec, CacheEntries: -1},
		{Keys: kms, KeyID: "key-1", Algorithm: pii.SM4GCM, EncryptionContext: ec, CacheEntries: 1 << 20},
	}
	for i, cfg := range bad {
		if _, err := pii.NewVault(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}

func TestVaultConcurrentUse(t *testing.T) {
	ctx := context.Background()
	kms := piitest.NewKMS("key-1", "key-2")
	vaults := []*pii.Vault{newVault(t, kms, "key-1", pii.AES256GCM), newVault(t, kms, "key-2", pii.SM4GCM)}
	shared := []string{mustEncrypt(t, vaults[0], fieldID, "shared-0"), mustEncrypt(t, vaults[1], fieldID, "shared-1")}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := vaults[g%2]
			for i := 0; i < 100; i++ {
				plain := fmt.Sprintf("g%d-%d", g, i)
				tok, err := v.Encrypt(ctx, fieldPh, plain)
				if err == nil {
					var got string
					got, err = vaults[(g+i)%2].Decrypt(ctx, fieldPh, tok)
					if err == nil && got != plain {
						err = fmt.Errorf("got %q want %q", got, plain)
					}
				}
				if err == nil {
					_, err = v.Decrypt(ctx, fieldID, shared[i%2])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if g := kms.GenerateDataKeyCalls(); g != 2 {
		t.Fatalf("%d GenerateDataKey calls, want 2", g)
	}
}

func TestVaultRetiresDataKeys(t *testing.T) {
	defer pii.SetMaxDataKeyUses(3)()
	kms := piitest.NewKMS("key-1")
	v := newVault(t, kms, "key-1", pii.AES256GCM)
	var toks []string
	blobs := map[string]bool{}
	for i := 0; i < 7; i++ {
		tok := mustEncrypt(t, v, fieldID, fmt.Sprint(i))
		toks = append(toks, tok)
		blobs[strings.Split(tok, ".")[4]] = true
	}
	if g := kms.GenerateDataKeyCalls(); g != 3 || len(blobs) != 3 {
		t.Fatalf("%d GenerateDataKey calls, %d blobs; want 3 data keys for 7 uses of at most 3", g, len(blobs))
	}
	for i, tok := range toks {
		if got, err := v.Decrypt(context.Background(), fieldID, tok); err != nil || got != fmt.Sprint(i) {
			t.Fatalf("token %d: %q, %v", i, got, err)
		}
	}
	if d := kms.DecryptCalls(); d != 0 {
		t.Fatalf("%d KMS Decrypt calls for this vault's own keys, want 0", d)
	}
}
