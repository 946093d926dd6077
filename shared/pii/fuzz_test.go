package pii_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/pii/piitest"
)

// checkMasks runs every mask on s: none may panic or echo a long input.
func checkMasks(t *testing.T, s string) {
	for _, m := range []string{pii.MaskPhone(s), pii.MaskIDNumber(s), pii.MaskName(s), pii.MaskBankCard(s)} {
		if utf8.RuneCountInString(m) > 32 {
			t.Fatalf("mask of %q is %d runes", s, utf8.RuneCountInString(m))
		}
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "310115200002291235", "110105190002290017",
		"990105194912310023", "110105202612310017", "", "\xff", " 440308199901101512 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMasks(t, s)
		id, err := pii.ParseIDNumber(s, today)
		if err != nil {
			return
		}
		again, err := pii.ParseIDNumber(id.Plain(), today)
		if err != nil || again != id {
			t.Fatalf("%q parsed to %q which re-parses to %v, %v", s, id.Plain(), again, err)
		}
		if len(id.Plain()) != 18 || today.Before(id.Birth()) || !id.Birth().IsValid() || id.AgeOn(today) < 0 {
			t.Fatalf("%q: implausible result %q born %v", s, id.Plain(), id.Birth())
		}
		if c, _ := pii.IDCheckChar(id.Plain()[:17]); c != id.Plain()[17] {
			t.Fatalf("%q: check character", s)
		}
		if m := id.Masked(); len(m) != 18 || strings.Contains(m, id.Plain()[4:14]) {
			t.Fatalf("%q: mask %q", s, m)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+8613812345678", "86 138 1234 5678", "138-1234-5678", "0086 138", "+1 415", "", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMasks(t, s)
		p, err := pii.ParsePhone(s)
		if err != nil {
			return
		}
		n := p.Plain()
		if len(n) != 11 || n[0] != '1' || n[1] < '3' || strings.Trim(n, "0123456789") != "" {
			t.Fatalf("%q -> %q", s, n)
		}
		if again, err := pii.ParsePhone(n); err != nil || again != p {
			t.Fatalf("%q -> %q re-parses to %v, %v", s, n, again, err)
		}
		if m := p.Masked(); m != n[:3]+"****"+n[7:] {
			t.Fatalf("mask %q", m)
		}
	})
}

func FuzzParseBankCard(f *testing.F) {
	for _, s := range []string{"4111111111111111", "4111 1111 1111 1111", "6222021234567890128", "378282246310005", "6222021234567890120", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMasks(t, s)
		c, err := pii.ParseBankCard(s)
		if err != nil {
			return
		}
		n := c.Plain()
		if len(n) < 15 || len(n) > 19 || strings.Trim(n, "0123456789") != "" || !pii.LuhnValid(n) {
			t.Fatalf("%q -> %q", s, n)
		}
		if again, err := pii.ParseBankCard(n); err != nil || again != c {
			t.Fatalf("%q -> %q re-parses to %v, %v", s, n, again, err)
		}
		if c.Masked() != "****"+n[len(n)-4:] {
			t.Fatalf("mask %q", c.Masked())
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"张三", "阿卜杜拉·买买提", "·张", "Zhang", "张\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMasks(t, s)
		n, err := pii.ParseName(s)
		if err != nil {
			return
		}
		if again, err := pii.ParseName(n.Plain()); err != nil || again != n {
			t.Fatalf("%q -> %q re-parses to %v, %v", s, n.Plain(), again, err)
		}
	})
}

// FuzzDecryptToken feeds arbitrary tokens to Decrypt. Nothing may panic,
// every error must be of the typed set, and — because the encoding is
// strict and the whole header is authenticated — the only strings that
// decrypt are the tokens that were actually written.
func FuzzDecryptToken(f *testing.F) {
	kms := piitest.NewKMS("key-1")
	ctx := context.Background()
	aes, sm4 := newVault(f, kms, "key-1", pii.AES256GCM), newVault(f, kms, "key-1", pii.SM4GCM)
	written := map[string]string{}
	for i, v := range []*pii.Vault{aes, sm4} {
		for _, p := range []string{"11010519491231002X", "", "13812345678"} {
			tok := mustEncrypt(f, v, fieldID, p)
			written[tok] = p
			f.Add(tok)
			f.Add(tok[:len(tok)-i-1])
		}
	}
	f.Add("wx1.A256GCM.AAAAAAAA.a2V5LTE.AA.AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := aes.Decrypt(ctx, fieldID, tok)
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		want, ok := written[tok]
		if !ok || got != want {
			t.Fatalf("unwritten token %q decrypted to %q", tok, got)
		}
	})
}
