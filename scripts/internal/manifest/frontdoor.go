package manifest

import (
	"fmt"
	"regexp"
	"strings"
)

// The front door is an SCF custom domain (scf CreateCustomDomain,
// EndpointsConfig): each entry sends the paths its PathMatch matches to one
// function. PathMatch takes /, /*, /a, /a/b or /a/* (scf v20180416
// EndpointsConf): an exact path, or a prefix with a trailing wildcard, and
// nothing routes by method. This file is that matching, shared by the
// manifest check and the local gateway, so a route the custom domain
// cannot express fails here too.

var pathMatchRE = regexp.MustCompile(`^/(\*|([A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*(/\*)?))?$`)

// ValidPathMatch reports whether pm is a PathMatch the custom domain takes.
func ValidPathMatch(pm string) bool { return pathMatchRE.MatchString(pm) }

// PathMatches reports whether the custom domain's PathMatch pm sends path:
// "/a/*" matches every path under /a/, "/*" every path, anything else only
// itself. Whether "/a/*" also takes "/a" is UNCONFIRMED; Validate refuses
// the overlap, so the answer never matters.
func PathMatches(pm, path string) bool {
	if prefix, ok := strings.CutSuffix(pm, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return pm == path
}

// overlap reports whether two PathMatches could both take a path: equal
// exact paths, or a wildcard covering the other (its own prefix
// included, see PathMatches). Which one the platform would prefer is
// UNCONFIRMED, so two functions never share a path.
func overlap(a, b string) bool {
	covers := func(w, o string) bool {
		prefix, ok := strings.CutSuffix(w, "*")
		return ok && (strings.HasPrefix(o, prefix) || o+"/" == prefix)
	}
	return a == b || covers(a, b) || covers(b, a)
}

// expressible says why path (an OpenAPI path, {param} segments) cannot be
// reached through PathMatch pm: the parameter must be the last segment,
// caught by pm's trailing wildcard; every fixed path must match pm.
func expressible(pm, path string) error {
	if !ValidPathMatch(pm) {
		return fmt.Errorf("pathMatch %q: the custom domain takes only /, /*, /a, /a/b or /a/* (a trailing wildcard)", pm)
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i != len(segs)-1 {
			return fmt.Errorf("path parameter %s is not the last segment: the front door cannot route it (PathMatch allows only a trailing wildcard)", s)
		}
	}
	concrete := path
	if last := segs[len(segs)-1]; strings.HasPrefix(last, "{") {
		concrete = strings.TrimSuffix(path, last) + "x"
	}
	if !PathMatches(pm, concrete) {
		return fmt.Errorf("pathMatch %q does not send %s to it", pm, path)
	}
	return nil
}

// checkEndpoints: one function URL per function, and no two functions'
// routes overlap (the custom domain routes by path alone).
func (f *File) checkEndpoints() []string {
	var errs []string
	es := f.Endpoints()
	owner := map[string]bool{}
	for i, a := range es {
		if owner[a.Function] {
			errs = append(errs, fmt.Sprintf("function %s: more than one function URL", a.Function))
		}
		owner[a.Function] = true
		for _, b := range es[i+1:] {
			if a.Function != b.Function && overlap(a.PathMatch, b.PathMatch) {
				errs = append(errs, fmt.Sprintf("pathMatch %s (%s) and %s (%s) overlap: the front door routes by path alone",
					a.PathMatch, a.Function, b.PathMatch, b.Function))
			}
		}
	}
	return errs
}
