package pii_test

import (
	"context"
	"testing"

	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/pii/piitest"
)

// The field benchmarked is an 18-character ID number with the data key
// already cached: the steady state of a warm function instance.
const benchID = "11010519491231002X"

func benchEncrypt(b *testing.B, alg pii.Algorithm) {
	v := newVault(b, piitest.NewKMS("key-1"), "key-1", alg)
	mustEncrypt(b, v, fieldID, benchID) // warm the data key
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Encrypt(ctx, fieldID, benchID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecrypt(b *testing.B, alg pii.Algorithm) {
	v := newVault(b, piitest.NewKMS("key-1"), "key-1", alg)
	tok := mustEncrypt(b, v, fieldID, benchID)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Decrypt(ctx, fieldID, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptAES(b *testing.B) { benchEncrypt(b, pii.AES256GCM) }
func BenchmarkDecryptAES(b *testing.B) { benchDecrypt(b, pii.AES256GCM) }
func BenchmarkEncryptSM4(b *testing.B) { benchEncrypt(b, pii.SM4GCM) }
func BenchmarkDecryptSM4(b *testing.B) { benchDecrypt(b, pii.SM4GCM) }

func BenchmarkBlindIndex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		pii.BlindIndex(indexKey, fieldID, benchID)
	}
}

func BenchmarkParseIDNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pii.ParseIDNumber(benchID, today); err != nil {
			b.Fatal(err)
		}
	}
}
