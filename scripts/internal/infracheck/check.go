// Package infracheck checks infra/*.tf without the tencentcloud provider
// (which cannot be downloaded here, so terraform validate cannot run): it
// parses every file with hcl/v2 and holds the configuration to the rules
// the issue and README set. scripts/deploy.sh --dry-run runs it too.
package infracheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Files is infra/'s .tf files by name.
type Files map[string][]byte

// Load reads every .tf file in dir.
func Load(dir string) (Files, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	fs := Files{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		fs[filepath.Base(p)] = b
	}
	return fs, nil
}

// block is a parsed top-level block with the file it came from.
type block struct {
	file string
	*hclsyntax.Block
}

// Check returns one line per broken rule (none: all is well).
func Check(fs Files) []string {
	var errs []string
	var blocks []block
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		src := fs[n]
		f, diags := hclsyntax.ParseConfig(src, n, hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			errs = append(errs, diags.Error())
			continue
		}
		if !bytes.Equal(hclwrite.Format(src), src) {
			errs = append(errs, fmt.Sprintf("%s: not canonically formatted (terraform fmt)", n))
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			blocks = append(blocks, block{n, b})
		}
	}
	errs = append(errs, checkRequired(blocks)...)
	errs = append(errs, checkSecrets(blocks)...)
	errs = append(errs, checkCAM(blocks)...)
	return errs
}

// resources finds resource blocks of type typ.
func resources(blocks []block, typ string) []block {
	var out []block
	for _, b := range blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

// literal is an expression's value when it is a constant (string, number,
// bool), and false otherwise (it refers to a variable or resource).
func literal(e hclsyntax.Expression) (string, bool) {
	if len(e.Variables()) > 0 {
		return "", false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || !v.Type().IsPrimitiveType() {
		return "", false
	}
	switch {
	case v.Type().FriendlyName() == "string":
		return v.AsString(), true
	case v.Type().FriendlyName() == "bool":
		return fmt.Sprint(v.True()), true
	default:
		return v.AsBigFloat().String(), true
	}
}

func where(b block) string { return fmt.Sprintf("%s: %s.%s", b.file, b.Labels[0], b.Labels[1]) }
